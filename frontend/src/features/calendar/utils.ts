export type CalendarView = 'day' | 'week' | 'month' | 'timeline';

export const HOUR_PX = 40;
export const SNAP_MINUTES = 15;
const DAY_MS = 86_400_000;

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

/** The part of [start, end) that falls on `day`, in pixels from the day's top. */
export function dayBox(start: Date, end: Date, day: Date): { top: number; height: number } | null {
  const dayStart = startOfDay(day).getTime();
  const from = Math.max(start.getTime(), dayStart);
  const to = Math.min(end.getTime(), dayStart + DAY_MS);
  if (to <= from) return null;
  return { top: ((from - dayStart) / 3_600_000) * HOUR_PX, height: Math.max(((to - from) / 3_600_000) * HOUR_PX, 14) };
}

/** Pixels dragged to whole snapped minutes. */
export function snapMinutes(deltaPx: number): number {
  const minutes = (deltaPx / HOUR_PX) * 60;
  return Math.round(minutes / SNAP_MINUTES) * SNAP_MINUTES;
}

export function overlaps(aStart: Date, aEnd: Date, bStart: Date, bEnd: Date): boolean {
  return aStart < bEnd && bStart < aEnd;
}
