import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';

/** A site's resource types: one query shared by every page that shows or picks them (booking
 * form, calendar, resources, find, webhooks, admin), so one cache entry per site. */
export function getSiteResourceTypes(site: string) {
  return unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } }));
}

export function siteResourceTypesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resource-types', site], queryFn: () => getSiteResourceTypes(site), enabled: Boolean(site) });
}

/** `enabled: false` waits until the page needs them (e.g. a webhook scope by type). */
export function useSiteResourceTypes(site: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...siteResourceTypesQueryOptions(site), enabled: enabled && Boolean(site) });
}
