import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SeriesCancel, SeriesRead, SeriesUpdate } from '@/lib/api/types';

/** The version the editor was showing goes in If-Match: a series changed meanwhile is a 412,
 * never a silent overwrite. */
function ifMatch(series: Pick<SeriesRead, 'version'>) {
  return { 'If-Match': `"${series.version}"` };
}

export function updateSeries(series: Pick<SeriesRead, 'id' | 'version'>, body: SeriesUpdate) {
  return unwrap(
    api().PATCH('/reservation-series/{series_id}', {
      params: { path: { series_id: series.id }, header: ifMatch(series) },
      body,
    }),
  );
}

export function cancelSeries(series: Pick<SeriesRead, 'id' | 'version'>, body: SeriesCancel) {
  return unwrap(
    api().POST('/reservation-series/{series_id}/cancel', {
      params: { path: { series_id: series.id }, header: ifMatch(series) },
      body,
    }),
  );
}

function useSeriesMutation<B>(call: (series: SeriesRead, body: B) => Promise<SeriesRead>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ series, body }: { series: SeriesRead; body: B }) => call(series, body),
    onSuccess: (data) => queryClient.setQueryData(['series', data.id], data),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}

export const useUpdateSeries = () => useSeriesMutation<SeriesUpdate>(updateSeries);
export const useCancelSeriesScope = () => useSeriesMutation<SeriesCancel>(cancelSeries);
