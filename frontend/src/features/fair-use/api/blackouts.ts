import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export type BlackoutQuery = { site: string; start: string; end: string };

export function getBlackouts({ site, start, end }: BlackoutQuery) {
  return unwrap(api().GET('/sites/{site}/blackouts', { params: { path: { site }, query: { start, end } } }));
}

/** The site's maintenance windows overlapping [start, end) (whoever sees the site sees them). */
export const blackoutsQuery = (query: BlackoutQuery) =>
  queryOptions({
    queryKey: ['blackouts', query],
    queryFn: () => getBlackouts(query),
    enabled: Boolean(query.site),
    placeholderData: keepPreviousData,
  });

export function useBlackouts(query: BlackoutQuery) {
  return useQuery(blackoutsQuery(query));
}
