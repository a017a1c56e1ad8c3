import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getSite(site: string) {
  return unwrap(api().GET('/sites/{site_ref}', { params: { path: { site_ref: site } } }));
}

export function getSiteQueryOptions(site: string) {
  return queryOptions({ queryKey: ['sites', 'detail', site], queryFn: () => getSite(site), enabled: Boolean(site) });
}

/** The caller's role in the site (site-admin, member or none), for admin-only form parts. */
export function useSiteRole(site: string) {
  return useQuery({ ...getSiteQueryOptions(site), select: (s) => s.my_role ?? null });
}
