import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SshKeyCreate } from '@/lib/api/types';

export function addSshKey(body: SshKeyCreate) {
  return unwrap(api().POST('/users/me/ssh-keys', { body }));
}

export function useAddSshKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addSshKey,
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'ssh-keys'] }),
  });
}
