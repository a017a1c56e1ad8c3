import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getResourceTypes(site: string) {
  return unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } }));
}

export function getResourceTypesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resource-types', site], queryFn: () => getResourceTypes(site), enabled: Boolean(site) });
}

export function useResourceTypes(site: string) {
  return useQuery(getResourceTypesQueryOptions(site));
}
