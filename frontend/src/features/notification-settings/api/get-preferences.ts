import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getPreferences() {
  return unwrap(api().GET('/users/me/notification-preferences'));
}

export function getPreferencesQueryOptions() {
  return queryOptions({ queryKey: ['me', 'notification-preferences'], queryFn: getPreferences });
}

export function usePreferences() {
  return useQuery(getPreferencesQueryOptions());
}
