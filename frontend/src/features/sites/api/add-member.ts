import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { MemberAdd } from '@/lib/api/types';

export function addMember(site: string, body: MemberAdd) {
  return unwrap(api().POST('/sites/{site_ref}/members', { params: { path: { site_ref: site } }, body }));
}

export function useAddMember(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: MemberAdd) => addMember(site, body),
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sites', site, 'members'] }),
  });
}
