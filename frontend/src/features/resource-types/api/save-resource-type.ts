import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResourceTypeCreate } from '@/lib/api/types';

/** Creates a type, or updates the one with `id`. */
export function saveResourceType(site: string, body: ResourceTypeCreate, id?: string) {
  if (id) {
    return unwrap(api().PATCH('/resource-types/{type_id}', { params: { path: { type_id: id } }, body }));
  }
  return unwrap(api().POST('/sites/{site}/resource-types', { params: { path: { site } }, body }));
}

export function useSaveResourceType(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, id }: { body: ResourceTypeCreate; id?: string }) => saveResourceType(site, body, id),
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['resource-types', site] }),
  });
}
