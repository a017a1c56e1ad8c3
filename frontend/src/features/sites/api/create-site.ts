import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, idempotencyKey, unwrap } from '@/lib/api/client';
import type { SiteCreate } from '@/lib/api/types';

export function createSite(body: SiteCreate) {
  return unwrap(api().POST('/sites', { body, params: { header: { 'Idempotency-Key': idempotencyKey() } } }));
}

export function useCreateSite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createSite,
    meta: { handlesErrors: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sites'] }),
  });
}
