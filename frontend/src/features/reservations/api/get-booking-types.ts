import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** The site's resource types: their parameter schemas and booking rules drive the form. */
export function getBookingTypes(site: string) {
  return unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } }));
}

export function getBookingTypesQueryOptions(site: string) {
  return queryOptions({ queryKey: ['resource-types', site], queryFn: () => getBookingTypes(site), enabled: Boolean(site) });
}

export function useBookingTypes(site: string) {
  return useQuery(getBookingTypesQueryOptions(site));
}
