import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { PageParams, ResourceStatus } from '@/lib/api/types';

export type GetResourcesParams = PageParams & {
  site: string;
  q?: string;
  typeId?: string;
  status?: ResourceStatus | '';
};

export function getResources({ site, q, typeId, status, page = 1, size = 100 }: GetResourcesParams) {
  return unwrap(
    api().GET('/sites/{site}/resources', {
      params: {
        path: { site },
        query: { q: q || undefined, type_id: typeId || undefined, status: status ? [status] : undefined, page, size, sort: 'name' },
      },
    }),
  );
}

export function getResourcesQueryOptions(params: GetResourcesParams) {
  return queryOptions({
    queryKey: ['resources', params],
    queryFn: () => getResources(params),
    enabled: Boolean(params.site),
    placeholderData: keepPreviousData,
  });
}

export function useResources(params: GetResourcesParams) {
  return useQuery(getResourcesQueryOptions(params));
}
