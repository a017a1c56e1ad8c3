import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getResource(id: string) {
  return unwrap(api().GET('/resources/{resource_id}', { params: { path: { resource_id: id } } }));
}

export function getResourceQueryOptions(id: string) {
  return queryOptions({ queryKey: ['resources', 'detail', id], queryFn: () => getResource(id), enabled: Boolean(id) });
}

export function useResource(id: string) {
  return useQuery(getResourceQueryOptions(id));
}
