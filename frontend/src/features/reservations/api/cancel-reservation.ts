import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationRead } from '@/lib/api/types';

export function cancelReservation(reservation: Pick<ReservationRead, 'id' | 'version'>, reason?: string) {
  return unwrap(
    api().POST('/reservations/{reservation_id}/cancel', {
      params: { path: { reservation_id: reservation.id }, header: { 'If-Match': `"${reservation.version}"` } },
      body: { reason: reason || null },
    }),
  );
}

export function useCancelReservation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ reservation, reason }: { reservation: ReservationRead; reason?: string }) =>
      cancelReservation(reservation, reason),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
