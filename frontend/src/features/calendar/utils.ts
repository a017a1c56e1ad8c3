export type CalendarView = 'day' | 'week' | 'month' | 'timeline';

export const HOUR_PX = 40;
export const SNAP_MINUTES = 15;
/** The smallest height a booking is drawn with, so that a short one stays readable. */
export const MIN_EVENT_PX = 22;
/** Where the time grid scrolls to when it opens: the start of the working day. */
export const WORKDAY_START_HOUR = 7;

export function startOfDay(d: Date): Date {
  const out = new Date(d);
  out.setHours(0, 0, 0, 0);
  return out;
}

export function addDays(d: Date, n: number): Date {
  const out = new Date(d);
  out.setDate(out.getDate() + n);
  return out;
}

/** Monday-based weeks. */
export function startOfWeek(d: Date): Date {
  const day = startOfDay(d);
  return addDays(day, -((day.getDay() + 6) % 7));
}

/** The visible [start, end) of a view around `anchor`: only this range is loaded. */
export function visibleRange(view: CalendarView, anchor: Date): { start: Date; end: Date; days: Date[] } {
  let start: Date;
  let count: number;
  if (view === 'day' || view === 'timeline') {
    start = startOfDay(anchor);
    count = 1;
  } else if (view === 'week') {
    start = startOfWeek(anchor);
    count = 7;
  } else {
    const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
    start = startOfWeek(first);
    count = 42;
  }
  const days = Array.from({ length: count }, (_, i) => addDays(start, i));
  return { start, end: addDays(start, count), days };
}

export function shiftAnchor(view: CalendarView, anchor: Date, direction: 1 | -1): Date {
  if (view === 'month') return new Date(anchor.getFullYear(), anchor.getMonth() + direction, 1);
  return addDays(anchor, direction * (view === 'week' ? 7 : 1));
}

/** Wall-clock hours since local midnight (0-24), what the time grid's rows show. */
export function wallHours(d: Date): number {
  return d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600;
}

/**
 * The part of [start, end) that falls on `day`, in pixels from the day's top. Days are cut at
 * local midnights (a day with a DST change is 23 or 25 hours long) and drawn by wall clock, so
 * a booking from 09:00 to 11:00 sits on the 09:00 and 10:00 rows on any day.
 */
export function dayBox(start: Date, end: Date, day: Date): { top: number; height: number } | null {
  const dayStart = startOfDay(day);
  const nextDay = addDays(dayStart, 1);
  const from = start > dayStart ? start : dayStart;
  const to = end < nextDay ? end : nextDay;
  if (to <= from) return null;
  const top = wallHours(from) * HOUR_PX;
  const bottom = to.getTime() === nextDay.getTime() ? 24 * HOUR_PX : wallHours(to) * HOUR_PX;
  // In the repeated hour of a fall-back night the wall clock runs backwards: use elapsed time.
  const height = bottom > top ? bottom - top : ((to.getTime() - from.getTime()) / 3_600_000) * HOUR_PX;
  return { top, height: Math.max(height, MIN_EVENT_PX) };
}

/** Pixels dragged to whole snapped minutes. */
export function snapMinutes(deltaPx: number): number {
  const minutes = (deltaPx / HOUR_PX) * 60;
  return Math.round(minutes / SNAP_MINUTES) * SNAP_MINUTES;
}

export function overlaps(aStart: Date, aEnd: Date, bStart: Date, bEnd: Date): boolean {
  return aStart < bEnd && bStart < aEnd;
}
