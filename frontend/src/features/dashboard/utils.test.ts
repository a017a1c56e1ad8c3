import { reservationFixture } from '@/testing/fixtures';
import { hoursByResource, hoursPerDay } from './utils';

describe('dashboard figures', () => {
  it('clips bookings to the window and sums per resource', () => {
    const from = new Date('2030-01-01T00:00:00Z');
    const to = new Date('2030-01-02T00:00:00Z');
    const hours = hoursByResource(
      [
        reservationFixture({ resource_id: 'a', start: '2029-12-31T22:00:00Z', end: '2030-01-01T03:00:00Z' }),
        reservationFixture({ resource_id: 'a', start: '2030-01-01T10:00:00Z', end: '2030-01-01T12:30:00Z' }),
        reservationFixture({ resource_id: 'b', start: '2030-01-02T10:00:00Z', end: '2030-01-02T12:00:00Z' }),
      ],
      from,
      to,
    );
    expect(Object.fromEntries(hours)).toEqual({ a: 5.5 });
  });

  it('spreads a multi-day booking over the days it covers', () => {
    const from = new Date(2030, 0, 1);
    const perDay = hoursPerDay(
      [reservationFixture({ start: new Date(2030, 0, 1, 12).toISOString(), end: new Date(2030, 0, 2, 6).toISOString() })],
      from,
      3,
    );
    expect(perDay).toEqual([12, 6, 0]);
  });
});
