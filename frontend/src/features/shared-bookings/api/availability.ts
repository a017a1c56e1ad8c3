import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getFreeUnits(resourceId: string, start: string, end: string) {
  return unwrap(
    api().GET('/resources/{resource_id}/free-units', { params: { path: { resource_id: resourceId }, query: { start, end } } }),
  );
}

export const freeUnitsQuery = (resourceId: string, start: string, end: string) =>
  queryOptions({
    queryKey: ['resources', resourceId, 'free-units', start, end],
    queryFn: () => getFreeUnits(resourceId, start, end),
  });

/** Free units of a pooled resource over the period the form holds (only when it is complete). */
export function useFreeUnits(resourceId: string, start: string, end: string, enabled: boolean) {
  return useQuery({ ...freeUnitsQuery(resourceId, start, end), enabled: enabled && Boolean(resourceId && start && end && start < end) });
}

export function getOpeningHours(resourceId: string, start: string, end: string) {
  return unwrap(
    api().GET('/resources/{resource_id}/opening-hours', { params: { path: { resource_id: resourceId }, query: { start, end } } }),
  );
}

export function useOpeningHours(resourceId: string, start: string, end: string, enabled = true) {
  return useQuery({
    ...queryOptions({
      queryKey: ['resources', resourceId, 'opening-hours', start, end],
      queryFn: () => getOpeningHours(resourceId, start, end),
    }),
    enabled,
  });
}
