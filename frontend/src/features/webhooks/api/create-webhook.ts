import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, idempotencyKey, unwrap } from '@/lib/api/client';
import type { WebhookCreate } from '@/lib/api/types';

/** The answer carries the signing secret: the only time it is ever shown. */
export function createWebhook(site: string, body: WebhookCreate) {
  return unwrap(
    api().POST('/sites/{site}/webhooks', {
      params: { path: { site }, header: { 'Idempotency-Key': idempotencyKey() } },
      body,
    }),
  );
}

export function useCreateWebhook(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: WebhookCreate) => createWebhook(site, body),
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks', site] }),
  });
}
