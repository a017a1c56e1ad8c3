import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ReservationRead } from '@/lib/api/types';

const MAX_PAGES = 5;

/** Bookings overlapping [start, end) that hold resources (pending to completed), up to 500. */
export async function getPeriodReservations(site: string, start: string, end: string): Promise<ReservationRead[]> {
  const out: ReservationRead[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const data = await unwrap(
      api().GET('/reservations', {
        params: { query: { site, start, end, status: ['pending', 'confirmed', 'active', 'completed'], page, size: 100 } },
      }),
    );
    out.push(...data.items);
    if (page >= data.meta.pages) break;
  }
  return out;
}

export function getPeriodReservationsQueryOptions(site: string, start: string, end: string) {
  return queryOptions({
    queryKey: ['reservations', 'period', site, start, end],
    queryFn: () => getPeriodReservations(site, start, end),
    enabled: Boolean(site),
  });
}

export function usePeriodReservations(site: string, start: string, end: string) {
  return useQuery(getPeriodReservationsQueryOptions(site, start, end));
}
