import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getDeliveries(site: string, id: string, page = 1) {
  return unwrap(
    api().GET('/sites/{site}/webhooks/{webhook_id}/deliveries', {
      params: { path: { site, webhook_id: id }, query: { page, size: 20 } },
    }),
  );
}

export function getDeliveriesQueryOptions(site: string, id: string, page = 1) {
  return queryOptions({
    queryKey: ['webhooks', site, id, 'deliveries', page],
    queryFn: () => getDeliveries(site, id, page),
    placeholderData: keepPreviousData,
  });
}

/** Refreshes while a delivery is pending (or one is expected), so attempts show up by themselves. */
export function useDeliveries(site: string, id: string, page = 1, expectNew = false) {
  return useQuery({
    ...getDeliveriesQueryOptions(site, id, page),
    refetchInterval: (query) => (expectNew || query.state.data?.items.some((d) => d.status === 'pending') ? 2000 : false),
  });
}
