import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationRead } from '@/lib/api/types';

/** Moves or resizes a booking; the server decides (409 on a conflict, 412 on a stale version). */
export function moveReservation(reservation: Pick<ReservationRead, 'id' | 'version'>, start: string, end: string) {
  return unwrap(
    api().PATCH('/reservations/{reservation_id}', {
      params: { path: { reservation_id: reservation.id }, header: { 'If-Match': `"${reservation.version}"` } },
      body: { start, end },
    }),
  );
}

export function useMoveReservation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ reservation, start, end }: { reservation: ReservationRead; start: string; end: string }) =>
      moveReservation(reservation, start, end),
    meta: { handlesErrors: true },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
