import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getUnreadCount() {
  return unwrap(api().GET('/notifications/unread-count'));
}

export function getUnreadCountQueryOptions() {
  return queryOptions({ queryKey: ['notifications', 'unread-count'], queryFn: getUnreadCount, staleTime: 0 });
}

/** Polls only when the live stream is down. */
export function useUnreadCount(pollMs: number | false) {
  return useQuery({ ...getUnreadCountQueryOptions(), refetchInterval: pollMs, select: (r) => r.unread });
}
