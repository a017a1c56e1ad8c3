import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { PreferencesUpdate } from '@/lib/api/types';

export function updatePreferences(body: PreferencesUpdate) {
  return unwrap(api().PATCH('/users/me/notification-preferences', { body }));
}

export function useUpdatePreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updatePreferences,
    meta: { handlesErrors: true },
    onSuccess: (data) => queryClient.setQueryData(['me', 'notification-preferences'], data),
  });
}
