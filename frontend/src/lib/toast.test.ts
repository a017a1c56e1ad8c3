import { act, renderHook } from '@testing-library/react';
import { subjectKey } from '@/features/notifications/api/live-updates';
import { clearToastsForTests, toast, useToasts } from './toast';

describe('toasts', () => {
  afterEach(() => clearToastsForTests());

  it('shows one toast for one booking: the live notification about it adds none', () => {
    const { result } = renderHook(() => useToasts());
    act(() => {
      toast.success('Booking created', { key: 'reservation:rsv-1' });
      toast.info("Reservation 'Lab' on Gi1/0/2 was created (confirmed).", {
        key: subjectKey([{ rel: 'reservation', href: '/api/v1/reservations/rsv-1' }]),
      });
    });
    expect(result.current.map((t) => t.message)).toEqual(['Booking created']);
  });

  it('keeps toasts about different things', () => {
    const { result } = renderHook(() => useToasts());
    act(() => {
      toast.success('Booking created', { key: 'reservation:rsv-1' });
      toast.info('Another booking', { key: subjectKey([{ href: '/api/v1/reservations/rsv-2' }]) });
      toast.info('No subject');
    });
    expect(result.current).toHaveLength(3);
  });
});
