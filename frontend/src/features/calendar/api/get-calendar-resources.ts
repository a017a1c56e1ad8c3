import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getCalendarResources(site: string) {
  return unwrap(api().GET('/sites/{site}/resources', { params: { path: { site }, query: { size: 100, sort: 'name' } } }));
}

export function getCalendarResourcesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resources', { site, calendar: true }], queryFn: () => getCalendarResources(site), enabled: Boolean(site) });
}

export function useCalendarResources(site: string) {
  return useQuery(getCalendarResourcesQueryOptions(site));
}
