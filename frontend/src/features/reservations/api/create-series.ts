import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { SeriesCreate } from '@/lib/api/types';

export function createSeries(body: SeriesCreate) {
  return unwrap(api().POST('/reservation-series', { body }));
}

export function useCreateSeries() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSeries,
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
