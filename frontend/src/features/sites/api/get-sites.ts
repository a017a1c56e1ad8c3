import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { PageParams } from '@/lib/api/types';

export type GetSitesParams = PageParams & { q?: string };

export function getSites({ page = 1, size = 100, q }: GetSitesParams = {}) {
  return unwrap(api().GET('/sites', { params: { query: { page, size, q: q || undefined } } }));
}

export function getSitesQueryOptions(params: GetSitesParams = {}) {
  return queryOptions({ queryKey: ['sites', params], queryFn: () => getSites(params) });
}

export function useSites(params: GetSitesParams = {}) {
  return useQuery(getSitesQueryOptions(params));
}
