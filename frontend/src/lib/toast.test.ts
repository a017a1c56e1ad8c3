import { act, renderHook } from '@testing-library/react';
import { notificationToast, subjectKey } from '@/features/notifications/api/live-updates';
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

  it('shows one toast for a series, whether its occurrences’ notifications come before or after it', () => {
    const { result } = renderHook(() => useToasts());
    const occurrence = (id: string) =>
      notificationToast({
        event: 'notification',
        id,
        data: JSON.stringify({
          kind: 'reservation.created',
          message: `Reservation 'Lab' (${id}) was created (confirmed).`,
          params: { title: 'Lab', resource: 'server-1', status: 'confirmed', series_id: 'ser-1' },
          links: [{ rel: 'reservation', href: `/api/v1/reservations/${id}` }],
        }),
      });
    const summary = () =>
      toast.success('Series booked: 3 occurrences, 0 skipped', {
        key: 'series:ser-1',
        also: ['reservation:r1', 'reservation:r2', 'reservation:r3'],
        replace: true,
      });
    act(() => {
      for (const id of ['r1', 'r2']) {
        const { message, key } = occurrence(id);
        toast.info(message ?? '', { key });
      }
      summary();
      toast.info(occurrence('r3').message ?? '', { key: occurrence('r3').key });
      // The booking page's own "Booking created" for the first occurrence adds none either.
      toast.success('Booking created', { key: 'reservation:r1' });
    });
    expect(result.current.map((t) => t.message)).toEqual(['Series booked: 3 occurrences, 0 skipped']);
  });

  it('gives a replacing toast its own five seconds', () => {
    vi.useFakeTimers();
    try {
      const { result } = renderHook(() => useToasts());
      act(() => {
        toast.info('“Lab” was cancelled.', { key: 'reservation:rsv-9' });
      });
      act(() => {
        vi.advanceTimersByTime(4000);
        toast.success('Booking cancelled', { key: 'reservation:rsv-9', replace: true });
      });
      act(() => vi.advanceTimersByTime(2000)); // the first toast's timer has run out
      expect(result.current.map((t) => t.message)).toEqual(['Booking cancelled']);
      act(() => vi.advanceTimersByTime(3500));
      expect(result.current).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
