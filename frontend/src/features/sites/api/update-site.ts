import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SiteOut, SiteUpdate } from '@/lib/api/types';

export function getSite(site: string) {
  return unwrap(api().GET('/sites/{site_ref}', { params: { path: { site_ref: site } } }));
}

export function getSiteQueryOptions(site: string) {
  return queryOptions({ queryKey: ['sites', 'one', site], queryFn: () => getSite(site), enabled: Boolean(site) });
}

export function useSite(site: string) {
  return useQuery(getSiteQueryOptions(site));
}

/** Sends the version the form was opened with: a concurrent edit answers 412 instead of being overwritten. */
export function updateSite(site: Pick<SiteOut, 'id' | 'version'>, body: SiteUpdate) {
  return unwrap(
    api().PATCH('/sites/{site_ref}', {
      params: { path: { site_ref: site.id }, header: { 'If-Match': `"${site.version}"` } },
      body,
    }),
  );
}

export function useUpdateSite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ site, body }: { site: SiteOut; body: SiteUpdate }) => updateSite(site, body),
    meta: { handlesErrors: true },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sites'] }),
  });
}
