import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SiteRole } from '@/lib/api/types';

export function updateMember(site: string, userId: string, role: SiteRole) {
  return unwrap(
    api().PATCH('/sites/{site_ref}/members/{user_id}', { params: { path: { site_ref: site, user_id: userId } }, body: { role } }),
  );
}

export function useUpdateMember(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: SiteRole }) => updateMember(site, userId, role),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sites', site, 'members'] }),
  });
}
