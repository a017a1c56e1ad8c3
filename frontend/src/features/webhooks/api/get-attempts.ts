import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getAttempts(site: string, id: string, deliveryId: string) {
  return unwrap(
    api().GET('/sites/{site}/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts', {
      params: { path: { site, webhook_id: id, delivery_id: deliveryId }, query: { size: 50 } },
    }),
  );
}

export function getAttemptsQueryOptions(site: string, id: string, deliveryId: string) {
  return queryOptions({
    queryKey: ['webhooks', site, id, 'deliveries', deliveryId, 'attempts'],
    queryFn: () => getAttempts(site, id, deliveryId),
  });
}

export function useAttempts(site: string, id: string, deliveryId: string) {
  return useQuery(getAttemptsQueryOptions(site, id, deliveryId));
}
