import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export type GetNotificationsParams = { unread?: boolean; page?: number; size?: number };

export function getNotifications({ unread, page = 1, size = 20 }: GetNotificationsParams = {}) {
  return unwrap(api().GET('/notifications', { params: { query: { unread: unread || undefined, page, size } } }));
}

export function getNotificationsQueryOptions(params: GetNotificationsParams = {}) {
  return queryOptions({
    queryKey: ['notifications', 'list', params],
    queryFn: () => getNotifications(params),
    placeholderData: keepPreviousData,
  });
}

export function useNotifications(params: GetNotificationsParams = {}, enabled = true) {
  return useQuery({ ...getNotificationsQueryOptions(params), enabled });
}
