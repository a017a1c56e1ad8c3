import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getDashboardResources(site: string) {
  return unwrap(api().GET('/sites/{site}/resources', { params: { path: { site }, query: { size: 100, sort: 'name' } } }));
}

export function getDashboardResourcesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resources', { site, dashboard: true }], queryFn: () => getDashboardResources(site), enabled: Boolean(site) });
}

export function useDashboardResources(site: string) {
  return useQuery(getDashboardResourcesQueryOptions(site));
}
