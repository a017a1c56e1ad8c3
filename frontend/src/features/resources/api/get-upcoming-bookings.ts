import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

/** Bookings on the resource (and above or below it) from now on that the caller may see. */
export function getUpcomingBookings(resourceId: string, from: string) {
  return unwrap(
    api().GET('/reservations', {
      params: {
        query: {
          resource_id: resourceId,
          include_subtree: true,
          start: from,
          status: ['pending', 'confirmed', 'active'],
          sort: 'start',
          size: 20,
        },
      },
    }),
  );
}

export function getUpcomingBookingsQueryOptions(resourceId: string, from: string) {
  return queryOptions({
    queryKey: ['reservations', 'resource', resourceId, from],
    queryFn: () => getUpcomingBookings(resourceId, from),
  });
}

export function useUpcomingBookings(resourceId: string, from: string) {
  return useQuery(getUpcomingBookingsQueryOptions(resourceId, from));
}
