import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';

export function getMyWaitlist() {
  return unwrap(api().GET('/me/waitlist'));
}

export const myWaitlistQuery = () => queryOptions({ queryKey: ['me', 'waitlist'], queryFn: getMyWaitlist });

export function useMyWaitlist() {
  return useQuery(myWaitlistQuery());
}

export function leaveWaitlist(id: string) {
  return unwrap(api().DELETE('/waitlist/{entry_id}', { params: { path: { entry_id: id } } }));
}

export function confirmWaitlistBooking(id: string) {
  return unwrap(api().POST('/waitlist/{entry_id}/confirm', { params: { path: { entry_id: id } } }));
}

function useWaitlistAction(fn: (id: string) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['me', 'waitlist'] }),
  });
}

export const useLeaveWaitlist = () => useWaitlistAction(leaveWaitlist);
export const useConfirmWaitlistBooking = () => useWaitlistAction(confirmWaitlistBooking);

export type WaitlistJoinBody = {
  resourceId: string;
  title: string;
  start: string;
  end: string;
  autoBook: boolean;
  /** Units of a pooled resource to wait for (left out: 1). */
  quantity?: number;
};

export function joinWaitlist({ resourceId, title, start, end, autoBook, quantity }: WaitlistJoinBody) {
  return unwrap(
    api().POST('/resources/{resource_id}/waitlist', {
      params: { path: { resource_id: resourceId } },
      body: { title, start, end, auto_book: autoBook, ...(quantity !== undefined ? { quantity } : {}) },
    }),
  );
}

export function useJoinWaitlist() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: joinWaitlist,
    // The offer shows the refusal itself, on the units field when it names them.
    meta: { handlesErrors: true },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['me', 'waitlist'] }),
  });
}
