import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Members of the site, for booking on someone's behalf (site admins only). */
export function getSiteMembers(site: string) {
  return unwrap(api().GET('/sites/{site_ref}/members', { params: { path: { site_ref: site }, query: { size: 100 } } }));
}

export function getSiteMembersQueryOptions(site: string, enabled: boolean) {
  return queryOptions({
    queryKey: ['sites', site, 'members'],
    queryFn: () => getSiteMembers(site),
    enabled: Boolean(site) && enabled,
  });
}

export function useSiteMembers(site: string, enabled: boolean) {
  return useQuery(getSiteMembersQueryOptions(site, enabled));
}
