import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export type CalendarQuery = { site: string; start: string; end: string; resourceId?: string };

/** Reservations overlapping the visible range only (the server filters by period). */
export function getCalendarReservations({ site, start, end, resourceId }: CalendarQuery) {
  return unwrap(
    api().GET('/reservations', {
      params: {
        query: {
          site,
          start,
          end,
          resource_id: resourceId || undefined,
          include_subtree: resourceId ? true : undefined,
          status: ['pending', 'confirmed', 'active'],
          size: 100,
        },
      },
    }),
  );
}

export function getCalendarReservationsQueryOptions(query: CalendarQuery) {
  return queryOptions({
    queryKey: ['reservations', 'calendar', query],
    queryFn: () => getCalendarReservations(query),
    enabled: Boolean(query.site),
    placeholderData: keepPreviousData,
  });
}

export function useCalendarReservations(query: CalendarQuery) {
  return useQuery(getCalendarReservationsQueryOptions(query));
}
