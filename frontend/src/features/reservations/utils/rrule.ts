/** The RRULE subset the backend accepts (docs/architecture.md, recurring series). */
export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY';
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Repeat = {
  frequency: Frequency;
  interval: number;
  /** Weekly only; empty means "the weekday of the first occurrence". */
  weekdays: Weekday[];
  /** Either a number of occurrences or a last day (YYYY-MM-DD, inclusive). */
  count: number | null;
  until: string | null;
};

export function buildRrule(repeat: Repeat): string {
  const parts = [`FREQ=${repeat.frequency}`];
  if (repeat.interval > 1) parts.push(`INTERVAL=${Math.floor(repeat.interval)}`);
  if (repeat.frequency === 'WEEKLY' && repeat.weekdays.length > 0) {
    const ordered = WEEKDAYS.filter((d) => repeat.weekdays.includes(d));
    parts.push(`BYDAY=${ordered.join(',')}`);
  }
  if (repeat.until) parts.push(`UNTIL=${repeat.until.replaceAll('-', '')}`);
  else parts.push(`COUNT=${Math.max(1, Math.floor(repeat.count ?? 1))}`);
  return parts.join(';');
}

/** Problems the form can show before asking the server (which checks again). */
export function repeatErrors(repeat: Repeat): Partial<Record<'interval' | 'count' | 'until', 'invalid'>> {
  const out: Partial<Record<'interval' | 'count' | 'until', 'invalid'>> = {};
  if (!Number.isInteger(repeat.interval) || repeat.interval < 1) out.interval = 'invalid';
  if (repeat.until === null && (repeat.count === null || !Number.isInteger(repeat.count) || repeat.count < 1)) {
    out.count = 'invalid';
  }
  if (repeat.until !== null && !/^\d{4}-\d{2}-\d{2}$/.test(repeat.until)) out.until = 'invalid';
  return out;
}
