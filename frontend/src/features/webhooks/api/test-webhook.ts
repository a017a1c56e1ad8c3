import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function testWebhook(site: string, id: string) {
  return unwrap(api().POST('/sites/{site}/webhooks/{webhook_id}/test', { params: { path: { site, webhook_id: id } } }));
}

export function useTestWebhook(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => testWebhook(site, id),
    onSuccess: (_data, id) => queryClient.invalidateQueries({ queryKey: ['webhooks', site, id, 'deliveries'] }),
  });
}
