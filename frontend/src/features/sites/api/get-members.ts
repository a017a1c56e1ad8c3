import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getMembers(site: string) {
  return unwrap(api().GET('/sites/{site_ref}/members', { params: { path: { site_ref: site }, query: { size: 100 } } }));
}

export function getMembersQueryOptions(site: string) {
  return queryOptions({ queryKey: ['sites', site, 'members'], queryFn: () => getMembers(site) });
}

export function useMembers(site: string) {
  return useQuery(getMembersQueryOptions(site));
}
