import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getResourceSummary(id: string) {
  return unwrap(api().GET('/resources/{resource_id}', { params: { path: { resource_id: id } } }));
}

export function getResourceSummaryQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['resources', 'detail', id],
    queryFn: () => getResourceSummary(id),
    staleTime: 5 * 60_000,
  });
}

export function useResourceName(id: string): string | undefined {
  return useQuery({ ...getResourceSummaryQueryOptions(id), select: (r) => r.name }).data;
}
