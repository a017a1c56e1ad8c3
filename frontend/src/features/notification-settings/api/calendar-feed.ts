import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function rotateCalendarFeed() {
  return unwrap(api().POST('/users/me/calendar-feed'));
}

export function revokeCalendarFeed() {
  return unwrap(api().DELETE('/users/me/calendar-feed'));
}

/** Creates or rotates the feed URL; the answer holds it, shown once. */
export function useRotateCalendarFeed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rotateCalendarFeed,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'notification-preferences'] }),
  });
}

export function useRevokeCalendarFeed() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeCalendarFeed,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'notification-preferences'] }),
  });
}
