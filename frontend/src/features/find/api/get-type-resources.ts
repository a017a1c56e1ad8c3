import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** The active resources of one type at a site: their own capacities (a pool may lend more units
 * than its type says) decide whether the find form asks how many units of each. */
export function getTypeResources(site: string, typeId: string) {
  return unwrap(
    api().GET('/sites/{site}/resources', {
      params: { path: { site }, query: { type_id: typeId, status: ['active'], size: 100 } },
    }),
  );
}

export function useTypeResources(site: string, typeId: string) {
  return useQuery(
    queryOptions({
      queryKey: ['resources', site, 'find', typeId],
      queryFn: () => getTypeResources(site, typeId),
      enabled: Boolean(site && typeId),
    }),
  );
}
