import type { ReservationRead } from '@/lib/api/types';

const HOUR = 3_600_000;

/** Booked hours per resource inside [from, to), each booking clipped to the window. */
export function hoursByResource(reservations: ReservationRead[], from: Date, to: Date): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reservations) {
    const start = Math.max(new Date(r.start).getTime(), from.getTime());
    const end = Math.min(new Date(r.end).getTime(), to.getTime());
    if (end > start) out.set(r.resource_id, (out.get(r.resource_id) ?? 0) + (end - start) / HOUR);
  }
  return out;
}

/** Booked hours per calendar day for `days` days from `from` (local days). */
export function hoursPerDay(reservations: ReservationRead[], from: Date, days: number): number[] {
  return Array.from({ length: days }, (_, i) => {
    const start = new Date(from);
    start.setDate(start.getDate() + i);
    const end = new Date(start);
    end.setDate(end.getDate() + 1);
    let total = 0;
    for (const hours of hoursByResource(reservations, start, end).values()) total += hours;
    return total;
  });
}
