import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, idempotencyKey, unwrap } from '@/lib/api/client';
import type { ReservationCreate } from '@/lib/api/types';

export function createReservation(body: ReservationCreate, key: string = idempotencyKey()) {
  return unwrap(api().POST('/reservations', { body, params: { header: { 'Idempotency-Key': key } } }));
}

export function useCreateReservation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: ReservationCreate; key: string }) => createReservation(body, key),
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
