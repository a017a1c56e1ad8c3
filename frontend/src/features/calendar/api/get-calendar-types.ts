import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getCalendarTypes(site: string) {
  return unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } }));
}

export function getCalendarTypesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resource-types', site], queryFn: () => getCalendarTypes(site), enabled: Boolean(site) });
}

export function useCalendarTypes(site: string) {
  return useQuery(getCalendarTypesQueryOptions(site));
}
