import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function deleteResourceType(id: string) {
  return unwrap(api().DELETE('/resource-types/{type_id}', { params: { path: { type_id: id } } }));
}

/** A type still in use answers 409; the global handler shows its detail. */
export function useDeleteResourceType(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteResourceType,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['resource-types', site] }),
  });
}
