import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Candidates for a webhook's scope: only fetched once the admin picks that kind of scope. */
export function useScopeResourceTypes(site: string, enabled: boolean) {
  return useQuery({
    queryKey: ['resource-types', site],
    queryFn: () => unwrap(api().GET('/sites/{site}/resource-types', { params: { path: { site }, query: { size: 100 } } })),
    enabled: enabled && Boolean(site),
  });
}

export function useScopeResources(site: string, enabled: boolean) {
  return useQuery({
    queryKey: ['webhooks', site, 'scope-resources'],
    queryFn: () => unwrap(api().GET('/sites/{site}/resources', { params: { path: { site }, query: { size: 100, sort: 'name' } } })),
    enabled: enabled && Boolean(site),
  });
}
