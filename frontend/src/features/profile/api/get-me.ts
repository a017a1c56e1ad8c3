import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getMe() {
  return unwrap(api().GET('/users/me'));
}

export function getMeQueryOptions() {
  return queryOptions({ queryKey: ['me'], queryFn: getMe });
}

export function useMe() {
  return useQuery(getMeQueryOptions());
}
