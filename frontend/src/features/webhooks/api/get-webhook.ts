import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getWebhook(site: string, id: string) {
  return unwrap(api().GET('/sites/{site}/webhooks/{webhook_id}', { params: { path: { site, webhook_id: id } } }));
}

export function getWebhookQueryOptions(site: string, id: string) {
  return queryOptions({ queryKey: ['webhooks', site, id], queryFn: () => getWebhook(site, id) });
}

export function useWebhook(site: string, id: string) {
  return useQuery(getWebhookQueryOptions(site, id));
}
