import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { ApiError } from '@/lib/api/problem';
import type { CoUserAdd } from '@/lib/api/types';

export function getCoUsers(reservationId: string) {
  return unwrap(api().GET('/reservations/{reservation_id}/co-users', { params: { path: { reservation_id: reservationId } } }));
}

export const coUsersQuery = (reservationId: string) =>
  queryOptions({ queryKey: ['reservations', reservationId, 'co-users'], queryFn: () => getCoUsers(reservationId) });

export function useCoUsers(reservationId: string) {
  return useQuery(coUsersQuery(reservationId));
}

export function addCoUser(reservationId: string, body: CoUserAdd) {
  return unwrap(
    api().POST('/reservations/{reservation_id}/co-users', { params: { path: { reservation_id: reservationId } }, body }),
  );
}

export function removeCoUser(reservationId: string, userId: string) {
  return unwrap(
    api().DELETE('/reservations/{reservation_id}/co-users/{user_id}', {
      params: { path: { reservation_id: reservationId, user_id: userId } },
    }),
  );
}

/** Adding or removing changes the reservation (a new version): both are refetched. */
export function useCoUserChanges(reservationId: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['reservations'] });
  const add = useMutation({ mutationFn: (body: CoUserAdd) => addCoUser(reservationId, body), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (userId: string) => removeCoUser(reservationId, userId), onSuccess: refresh });
  return { add, remove };
}

/** A person a new booking could not be shared with, and why (the server's words, or none when
 * the request did not reach it). */
export type ShareFailure = CoUserAdd & { message?: string | undefined };

/** Shares a booking just made with each person in turn; the ones refused come back. */
export async function shareWithAll(reservationId: string, people: CoUserAdd[]): Promise<ShareFailure[]> {
  const failed: ShareFailure[] = [];
  for (const person of people) {
    try {
      await addCoUser(reservationId, person);
    } catch (error) {
      failed.push({ ...person, message: error instanceof ApiError ? (error.problem.detail ?? error.problem.title) : undefined });
    }
  }
  return failed;
}
