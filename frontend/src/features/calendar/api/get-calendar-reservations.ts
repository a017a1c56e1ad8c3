import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export type CalendarQuery = { site: string; start: string; end: string; resourceId?: string };

const PAGE_SIZE = 100;
/** A bound on the pages read for one visible range (10,000 bookings). */
const MAX_PAGES = 100;

function getPage({ site, start, end, resourceId }: CalendarQuery, page: number) {
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
          size: PAGE_SIZE,
          page,
        },
      },
    }),
  );
}

/** Every reservation overlapping the visible range (the server filters by period), all pages. */
export async function getCalendarReservations(query: CalendarQuery) {
  const first = await getPage(query, 1);
  const pages = Math.min(first.meta.pages, MAX_PAGES);
  const rest = await Promise.all(Array.from({ length: Math.max(pages - 1, 0) }, (_, i) => getPage(query, i + 2)));
  return { ...first, items: [first, ...rest].flatMap((p) => p.items) };
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
