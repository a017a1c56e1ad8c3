import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getPending(site: string) {
  return unwrap(api().GET('/reservations', { params: { query: { site, status: ['pending'], sort: 'start', size: 100 } } }));
}

export function getPendingQueryOptions(site: string) {
  return queryOptions({ queryKey: ['reservations', 'pending', site], queryFn: () => getPending(site), enabled: Boolean(site) });
}

export function usePending(site: string) {
  return useQuery(getPendingQueryOptions(site));
}
