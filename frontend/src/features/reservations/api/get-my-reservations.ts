import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationStatus } from '@/lib/api/types';

export type ReservationTab = 'upcoming' | 'active' | 'past';

const TAB_STATUSES: Record<ReservationTab, ReservationStatus[]> = {
  upcoming: ['pending', 'confirmed'],
  active: ['active'],
  past: ['completed', 'cancelled', 'rejected', 'failed'],
};

export function getMyReservations(tab: ReservationTab, page = 1) {
  return unwrap(
    api().GET('/reservations', {
      params: {
        // The row shows its resource: embedded in the page, not fetched row by row.
        query: { mine: true, status: TAB_STATUSES[tab], sort: tab === 'past' ? '-start' : 'start', page, size: 20, embed: ['resource'] },
      },
    }),
  );
}

export function getMyReservationsQueryOptions(tab: ReservationTab, page = 1) {
  return queryOptions({
    queryKey: ['reservations', 'mine', tab, page],
    queryFn: () => getMyReservations(tab, page),
    placeholderData: keepPreviousData,
  });
}

export function useMyReservations(tab: ReservationTab, page = 1) {
  return useQuery(getMyReservationsQueryOptions(tab, page));
}
