import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SeriesCreate } from '@/lib/api/types';

/** The occurrences a series would book and which are busy now; books nothing. */
export function previewSeries(body: SeriesCreate) {
  return unwrap(api().POST('/reservation-series/preview', { body }));
}

export function usePreviewSeries() {
  return useMutation({ mutationFn: previewSeries, meta: { handlesErrors: true } });
}
