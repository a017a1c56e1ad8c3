// A recurrence rule of the platform's subset (FREQ DAILY/WEEKLY/MONTHLY, INTERVAL, BYDAY with
// ordinals for MONTHLY, BYMONTHDAY, COUNT or UNTIL) in the user's words: "Every week on
// Monday, 3 times". Anything outside it reads as null, and the caller shows the rule itself.
import i18n from './i18n';

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const FREQS = { DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly' } as const;
const KNOWN = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL']);

type T = (key: string, options?: Record<string, unknown>) => string;
const t = (key: string, options?: Record<string, unknown>) => (i18n.t as unknown as T)(`recurrence.${key}`, options);

/** Monday..Sunday in `language` (2030-01-07 was a Monday). */
function weekdayName(code: string, language: string): string {
  const day = new Date(Date.UTC(2030, 0, 7 + WEEKDAYS.indexOf(code as (typeof WEEKDAYS)[number])));
  return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' }).format(day);
}

function list(items: string[], language: string): string {
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(items);
}

function untilText(value: string, language: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, z] = m;
  if (h === undefined) {
    return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(+y!, +mo! - 1, +d!)));
  }
  const at = z ? new Date(Date.UTC(+y!, +mo! - 1, +d!, +h, +mi!, +s!)) : new Date(+y!, +mo! - 1, +d!, +h, +mi!, +s!);
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

export type DescribeOptions = {
  /** The first occurrence's start and the series' time zone: the weekday or day of the month a
   * rule without BYDAY/BYMONTHDAY repeats on. */
  firstStart?: string;
  timeZone?: string;
};

function firstWeekday(options: DescribeOptions): string | null {
  if (!options.firstStart) return null;
  const short = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: options.timeZone }).format(new Date(options.firstStart));
  return short.slice(0, 2).toUpperCase();
}

function firstMonthDay(options: DescribeOptions): string | null {
  if (!options.firstStart) return null;
  return new Intl.DateTimeFormat('en-US', { day: 'numeric', timeZone: options.timeZone }).format(new Date(options.firstStart));
}

export function describeRrule(rule: string, language: string = i18n.language, options: DescribeOptions = {}): string | null {
  const parts = new Map<string, string>();
  for (const piece of rule.trim().replace(/^RRULE:/i, '').split(';')) {
    const [name, value, ...rest] = piece.split('=');
    if (!name || value === undefined || rest.length || !KNOWN.has(name.toUpperCase()) || parts.has(name.toUpperCase())) return null;
    parts.set(name.toUpperCase(), value.toUpperCase());
  }
  const freq = FREQS[parts.get('FREQ') as keyof typeof FREQS];
  if (!freq) return null;
  const interval = parts.has('INTERVAL') ? Number(parts.get('INTERVAL')) : 1;
  if (!Number.isInteger(interval) || interval < 1) return null;
  const lng = { lng: language };
  let text = t(`every.${freq}`, { count: interval, ...lng });

  const byday = parts.get('BYDAY');
  const bymonthday = parts.get('BYMONTHDAY');
  if (byday) {
    const days: string[] = [];
    for (const entry of byday.split(',')) {
      const m = /^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(entry);
      if (!m) return null;
      const [, ordinal, code] = m;
      if (ordinal !== undefined) {
        if (freq !== 'monthly') return null;
        // Sunday is feminine in Italian ("la prima domenica"): the catalogs have both forms.
        const key = `ordinal.${Number(ordinal) < 0 ? 'last' : 'n'}${Math.abs(Number(ordinal))}${code === 'SU' ? '_f' : ''}`;
        if (!i18n.exists(`recurrence.${key}`)) return null;
        days.push(t('nth', { ordinal: t(key, lng), day: weekdayName(code!, language), ...lng }));
      } else {
        days.push(weekdayName(code!, language));
      }
    }
    text += t(byday.match(/\d/) ? 'onNth' : 'onDays', { days: list(days, language), ...lng });
  } else if (bymonthday === '-1') {
    text += t('onLastDay', lng);
  } else if (bymonthday) {
    const days = bymonthday.split(',');
    if (!days.every((d) => /^\d{1,2}$/.test(d) && +d >= 1 && +d <= 31)) return null;
    text += t('onMonthDays', { count: days.length, days: list(days.map(String), language), ...lng });
  } else if (freq === 'weekly' && firstWeekday(options)) {
    text += t('onDays', { days: weekdayName(firstWeekday(options)!, language), ...lng });
  } else if (freq === 'monthly' && firstMonthDay(options)) {
    text += t('onMonthDays', { count: 1, days: firstMonthDay(options), ...lng });
  }

  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count !== undefined && until === undefined) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) return null;
    text += t('times', { count: n, ...lng });
  } else if (until !== undefined && count === undefined) {
    const date = untilText(until, language);
    if (!date) return null;
    text += t('until', { date, ...lng });
  } else {
    return null;
  }
  return text;
}
