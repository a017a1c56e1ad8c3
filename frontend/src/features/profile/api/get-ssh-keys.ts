import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getSshKeys() {
  return unwrap(api().GET('/users/me/ssh-keys'));
}

export function getSshKeysQueryOptions() {
  return queryOptions({ queryKey: ['me', 'ssh-keys'], queryFn: getSshKeys });
}

export function useSshKeys() {
  return useQuery(getSshKeysQueryOptions());
}
