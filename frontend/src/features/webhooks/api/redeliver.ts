import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function redeliver(site: string, id: string, deliveryId: string) {
  return unwrap(
    api().POST('/sites/{site}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
      params: { path: { site, webhook_id: id, delivery_id: deliveryId } },
    }),
  );
}

export function useRedeliver(site: string, id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) => redeliver(site, id, deliveryId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks', site, id, 'deliveries'] }),
  });
}
