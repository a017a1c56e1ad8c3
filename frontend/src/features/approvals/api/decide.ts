import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationRead } from '@/lib/api/types';

export type Decision = 'approve' | 'reject';

export function decide(reservation: Pick<ReservationRead, 'id' | 'version'>, decision: Decision, reason?: string) {
  const params = { path: { reservation_id: reservation.id }, header: { 'If-Match': `"${reservation.version}"` } };
  const body = { reason: reason || null };
  return decision === 'approve'
    ? unwrap(api().POST('/reservations/{reservation_id}/approve', { params, body }))
    : unwrap(api().POST('/reservations/{reservation_id}/reject', { params, body }));
}

export function useDecide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ reservation, decision, reason }: { reservation: ReservationRead; decision: Decision; reason?: string }) =>
      decide(reservation, decision, reason),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['reservations'] }),
  });
}
