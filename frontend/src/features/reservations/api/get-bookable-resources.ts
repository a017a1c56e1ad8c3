import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Active resources of a site, for the booking form's resource picker. */
export function getBookableResources(site: string) {
  return unwrap(
    api().GET('/sites/{site}/resources', { params: { path: { site }, query: { status: ['active'], size: 100, sort: 'name' } } }),
  );
}

export function getBookableResourcesQueryOptions(site: string) {
  return queryOptions({
    queryKey: ['resources', { site, bookable: true }],
    queryFn: () => getBookableResources(site),
    enabled: Boolean(site),
  });
}

export function useBookableResources(site: string) {
  return useQuery(getBookableResourcesQueryOptions(site));
}
