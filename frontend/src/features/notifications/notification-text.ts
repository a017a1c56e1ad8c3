// A notification worded in the user's language from its kind and params; the stored English
// message for a kind this app does not word (or a row written before params were kept).
import i18n from '@/lib/i18n';
import { formatDateTime, formatRange } from '@/lib/i18n';
import { roleLabel } from '@/lib/humanise';

export type NotificationLike = { kind: string; message: string; params?: Record<string, unknown> };

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function lookup(key: string, values: Record<string, unknown>): string | undefined {
  return i18n.exists(key) ? (i18n.t as unknown as (k: string, v: object) => string)(key, values) : undefined;
}

/** The variant of a kind's sentence that the params call for, most specific first. */
function variants(kind: string, params: Record<string, unknown>): string[] {
  const base = kind.replace(/\./g, '_');
  const extra = [str(params.cause), str(params.state), str(params.why), params.booked === true ? 'booked' : undefined];
  return [...extra.filter((v): v is string => Boolean(v)).map((v) => `${base}_${v}`), base];
}

export function notificationText(note: NotificationLike, language: string = i18n.language): string {
  const params = note.params ?? {};
  if (Object.keys(params).length === 0) return note.message;
  const start = str(params.start);
  const end = str(params.end);
  const confirmBy = str(params.confirm_by);
  const minutes = typeof params.minutes === 'number' ? params.minutes : undefined;
  const status = str(params.status);
  const role = str(params.role);
  const values = {
    title: str(params.title) ?? '',
    resource: str(params.resource) ?? '',
    site: str(params.site) ?? '',
    name: str(params.name) ?? '',
    when: start && end ? formatRange(start, end, language) : '',
    start: start ? formatDateTime(start, language) : '',
    end: end ? formatDateTime(end, language) : '',
    confirmBy: confirmBy ? formatDateTime(confirmBy, language) : '',
    minutes:
      minutes !== undefined
        ? new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(minutes)
        : '',
    status: status ? (lookup(`status.${status}`, {}) ?? status) : '',
    role: role ? roleLabel(role) : '',
    lng: language,
  };
  for (const key of variants(note.kind, params)) {
    const text = lookup(`notificationText.${key}`, values);
    if (text !== undefined) {
      const detail = str(params.detail);
      return detail ? `${text} ${detail}` : text;
    }
  }
  return note.message;
}
