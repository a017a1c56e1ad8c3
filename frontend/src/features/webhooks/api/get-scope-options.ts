import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Candidates for a webhook's scope by resource: only fetched once the admin picks that kind. */
export function useScopeResources(site: string, enabled: boolean) {
  return useQuery({
    queryKey: ['webhooks', site, 'scope-resources'],
    queryFn: () => unwrap(api().GET('/sites/{site}/resources', { params: { path: { site }, query: { size: 100, sort: 'name' } } })),
    enabled: enabled && Boolean(site),
  });
}
