import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { currentTimeZone } from '@/lib/i18n';

/** Utilisation over [start, end), computed by the server over the site's slots. */
export function getSiteStats(site: string, start: string, end: string, tz: string = currentTimeZone()) {
  return unwrap(api().GET('/sites/{site}/stats', { params: { path: { site }, query: { start, end, tz } } }));
}

export function getSiteStatsQueryOptions(site: string, start: string, end: string) {
  return queryOptions({
    queryKey: ['reservations', 'stats', site, start, end],
    queryFn: () => getSiteStats(site, start, end),
    enabled: Boolean(site),
  });
}

export function useSiteStats(site: string, start: string, end: string) {
  return useQuery(getSiteStatsQueryOptions(site, start, end));
}
