import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResourceCreate } from '@/lib/api/types';

export function createResource(site: string, body: ResourceCreate) {
  return unwrap(api().POST('/sites/{site}/resources', { params: { path: { site } }, body }));
}

export function useCreateResource(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ResourceCreate) => createResource(site, body),
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['resources'] }),
  });
}
