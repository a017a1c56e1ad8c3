import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getSeries(seriesId: string) {
  return unwrap(api().GET('/reservation-series/{series_id}', { params: { path: { series_id: seriesId } } }));
}

export const seriesQuery = (seriesId: string) =>
  queryOptions({ queryKey: ['series', seriesId], queryFn: () => getSeries(seriesId) });

export function useSeries(seriesId: string) {
  return useQuery(seriesQuery(seriesId));
}
