import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getSite(siteId: string) {
  return unwrap(api().GET('/sites/{site_ref}', { params: { path: { site_ref: siteId } } }));
}

/** The caller's role on a site (``site-admin``, ``member`` or null). */
export function useMySiteRole(siteId: string) {
  const site = useQuery({
    ...queryOptions({ queryKey: ['sites', siteId], queryFn: () => getSite(siteId) }),
    enabled: Boolean(siteId),
  });
  return site.data?.my_role ?? null;
}
