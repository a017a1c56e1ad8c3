import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { nextFreeSlot } from '../utils/next-free-slot';

/** The conflicting booking as the caller may see it (title, owner), or null when hidden. */
export function useConflictingReservation(id: string | undefined) {
  return useQuery({
    queryKey: ['reservations', 'detail', id],
    queryFn: () => unwrap(api().GET('/reservations/{reservation_id}', { params: { path: { reservation_id: id! } } })),
    enabled: Boolean(id),
    retry: false,
  });
}

const SEARCH_DAYS = 14;

/** The first free slot of the same length on the resource, searched over the next two weeks. */
export function useNextFreeSlot(
  resourceId: string,
  from: string,
  durationMs: number,
  margins: { leadMs: number; graceMs: number },
  enabled: boolean,
) {
  return useQuery({
    queryKey: ['reservations', 'next-free', resourceId, from, durationMs, margins],
    enabled: enabled && Boolean(resourceId && from) && durationMs > 0,
    retry: false,
    queryFn: async () => {
      const start = new Date(from);
      const until = new Date(start.getTime() + SEARCH_DAYS * 86_400_000);
      const busy = await unwrap(
        api().GET('/resources/{resource_id}/busy', {
          params: { path: { resource_id: resourceId }, query: { start: start.toISOString(), end: until.toISOString(), limit: 1000 } },
        }),
      );
      return nextFreeSlot(busy, start, durationMs, until, margins);
    },
  });
}
