import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getFailingWebhooks(site: string) {
  return unwrap(api().GET('/sites/{site}/webhooks', { params: { path: { site }, query: { size: 100 } } })).then((page) =>
    page.items.filter((w) => w.failing_since || !w.enabled),
  );
}

export function getFailingWebhooksQueryOptions(site: string, enabled: boolean) {
  return queryOptions({ queryKey: ['webhooks', site, 'failing'], queryFn: () => getFailingWebhooks(site), enabled: Boolean(site) && enabled });
}

export function useFailingWebhooks(site: string, enabled: boolean) {
  return useQuery(getFailingWebhooksQueryOptions(site, enabled));
}
