import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getMyUsage() {
  return unwrap(api().GET('/me/usage'));
}

export const myUsageQuery = () => queryOptions({ queryKey: ['me', 'usage'], queryFn: getMyUsage });

export function useMyUsage() {
  return useQuery(myUsageQuery());
}
