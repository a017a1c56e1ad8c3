import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SeriesCancel } from '@/lib/api/types';

/** Reads the series for its ETag, then cancels the occurrences in scope with If-Match. */
export async function cancelSeries(seriesId: string, body: SeriesCancel) {
  const current = await unwrap(api().GET('/reservation-series/{series_id}', { params: { path: { series_id: seriesId } } }));
  return unwrap(
    api().POST('/reservation-series/{series_id}/cancel', {
      params: { path: { series_id: seriesId }, header: { 'If-Match': `"${current.version}"` } },
      body,
    }),
  );
}

export function useCancelSeries() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ seriesId, body }: { seriesId: string; body: SeriesCancel }) => cancelSeries(seriesId, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
