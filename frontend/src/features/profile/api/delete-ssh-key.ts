import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function deleteSshKey(id: string) {
  return unwrap(api().DELETE('/users/me/ssh-keys/{key_id}', { params: { path: { key_id: id } } }));
}

export function useDeleteSshKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSshKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'ssh-keys'] }),
  });
}
