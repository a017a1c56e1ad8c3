import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getReservation(reservationId: string) {
  return unwrap(api().GET('/reservations/{reservation_id}', { params: { path: { reservation_id: reservationId } } }));
}

export const reservationQuery = (reservationId: string) =>
  queryOptions({ queryKey: ['reservations', reservationId], queryFn: () => getReservation(reservationId) });

export function useReservation(reservationId: string) {
  return useQuery(reservationQuery(reservationId));
}
