import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function rotateSecret(site: string, id: string) {
  return unwrap(
    api().POST('/sites/{site}/webhooks/{webhook_id}/rotate-secret', { params: { path: { site, webhook_id: id } }, body: { grace_period: 'P1D' } }),
  );
}

export function useRotateSecret(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => rotateSecret(site, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks', site] }),
  });
}
