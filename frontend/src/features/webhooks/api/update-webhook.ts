import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { WebhookRead, WebhookUpdate } from '@/lib/api/types';

export function updateWebhook(site: string, webhook: Pick<WebhookRead, 'id' | 'version'>, body: WebhookUpdate) {
  return unwrap(
    api().PATCH('/sites/{site}/webhooks/{webhook_id}', {
      params: { path: { site, webhook_id: webhook.id }, header: { 'If-Match': `"${webhook.version}"` } },
      body,
    }),
  );
}

export function useUpdateWebhook(site: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ webhook, body }: { webhook: WebhookRead; body: WebhookUpdate }) => updateWebhook(site, webhook, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhooks', site] }),
  });
}
