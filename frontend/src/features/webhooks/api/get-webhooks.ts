import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getWebhooks(site: string) {
  return unwrap(api().GET('/sites/{site}/webhooks', { params: { path: { site }, query: { size: 100 } } }));
}

export function getWebhooksQueryOptions(site: string) {
  return queryOptions({ queryKey: ['webhooks', site], queryFn: () => getWebhooks(site), enabled: Boolean(site) });
}

export function useWebhooks(site: string) {
  return useQuery(getWebhooksQueryOptions(site));
}
