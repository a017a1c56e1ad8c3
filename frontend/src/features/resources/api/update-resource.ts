import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResourceUpdate } from '@/lib/api/types';

export function updateResource(id: string, body: ResourceUpdate) {
  return unwrap(api().PATCH('/resources/{resource_id}', { params: { path: { resource_id: id } }, body }));
}

export function useUpdateResource() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ResourceUpdate }) => updateResource(id, body),
    meta: { handlesErrors: true },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['resources'] }),
  });
}

/** The caller's role in the site: the edit action is offered to its admins only. */
export function useMySiteRole(site: string) {
  return useQuery({
    queryKey: ['sites', 'one', site],
    queryFn: () => unwrap(api().GET('/sites/{site_ref}', { params: { path: { site_ref: site } } })),
    enabled: Boolean(site),
    select: (s) => s.my_role ?? null,
  });
}
