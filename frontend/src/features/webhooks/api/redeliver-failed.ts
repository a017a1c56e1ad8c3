import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Queues again every failed delivery created at or after `since` (an ISO instant). */
export function redeliverFailed(site: string, id: string, since: string) {
  return unwrap(
    api().POST('/sites/{site}/webhooks/{webhook_id}/deliveries/redeliver-failed', {
      params: { path: { site, webhook_id: id } },
      body: { since },
    }),
  );
}

export function useRedeliverFailed(site: string, id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (since: string) => redeliverFailed(site, id, since),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks', site, id, 'deliveries'] }),
  });
}
