import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** The sites the user can book in: the find form's choice of site. */
export function getSites() {
  return unwrap(api().GET('/sites', { params: { query: { size: 100 } } }));
}

export function useFindSites() {
  return useQuery(queryOptions({ queryKey: ['sites', 'find'], queryFn: getSites }));
}
