import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function removeMember(site: string, userId: string) {
  return unwrap(api().DELETE('/sites/{site_ref}/members/{user_id}', { params: { path: { site_ref: site, user_id: userId } } }));
}

export function useRemoveMember(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => removeMember(site, userId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sites', site, 'members'] }),
  });
}
