import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function releaseReservation(id: string) {
  return unwrap(api().POST('/reservations/{reservation_id}/release', { params: { path: { reservation_id: id } } }));
}

export function checkInReservation(id: string) {
  return unwrap(api().POST('/reservations/{reservation_id}/check-in', { params: { path: { reservation_id: id } } }));
}

function useReservationAction(fn: (id: string) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['reservations'] }),
        queryClient.invalidateQueries({ queryKey: ['me', 'usage'] }),
      ]),
  });
}

export const useReleaseReservation = () => useReservationAction(releaseReservation);
export const useCheckIn = () => useReservationAction(checkInReservation);
