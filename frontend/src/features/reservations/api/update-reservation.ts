import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationRead, ReservationUpdate } from '@/lib/api/types';

export function updateReservation(reservation: Pick<ReservationRead, 'id' | 'version'>, body: ReservationUpdate) {
  return unwrap(
    api().PATCH('/reservations/{reservation_id}', {
      params: { path: { reservation_id: reservation.id }, header: { 'If-Match': `"${reservation.version}"` } },
      body,
    }),
  );
}

export function useUpdateReservation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ reservation, body }: { reservation: ReservationRead; body: ReservationUpdate }) =>
      updateReservation(reservation, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
