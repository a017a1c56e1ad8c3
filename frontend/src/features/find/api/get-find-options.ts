import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** The sites the user can book in and a site's resource types: the find form's choices. */
export function getSites() {
  return unwrap(api().GET('/sites', { params: { query: { size: 100 } } }));
}

export function useFindSites() {
  return useQuery(queryOptions({ queryKey: ['sites', 'find'], queryFn: getSites }));
}

export function getTypes(site: string) {
  return unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } }));
}

export function useFindTypes(site: string) {
  return useQuery(queryOptions({ queryKey: ['resource-types', site], queryFn: () => getTypes(site), enabled: Boolean(site) }));
}
