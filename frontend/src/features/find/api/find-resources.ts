import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { FindRequest } from '@/lib/api/types';

/** Finds (and with ``book`` books, all or none) N free resources; see POST /reservations/find. */
export function findResources(body: FindRequest) {
  return unwrap(api().POST('/reservations/find', { body }));
}

export function useFindResources() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: findResources,
    meta: { handlesErrors: true },
    onSuccess: (result) => {
      if (result.group) void queryClient.invalidateQueries({ queryKey: ['reservations'] });
    },
  });
}
