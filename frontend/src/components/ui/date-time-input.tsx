import { useState } from 'react';
import { useTranslation } from 'react-i18next';

type Part = 'day' | 'month' | 'year' | 'hour' | 'minute';
const OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The order of day, month and year (and the time) in the language's usual date-time format. */
export function partOrder(language: string): Part[] {
  return new Intl.DateTimeFormat(language, OPTIONS)
    .formatToParts(new Date(2030, 10, 22, 13, 45))
    .map((p) => p.type)
    .filter((type): type is Part => ['day', 'month', 'year', 'hour', 'minute'].includes(type));
}

/** `YYYY-MM-DDTHH:mm` (what the form keeps) shown as the language writes it: 01/03/2030, 09:00 in Italian. */
export function formatLocalValue(value: string, language: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return '';
  const [, y, mo, d, h, mi] = m.map(Number);
  return new Intl.DateTimeFormat(language, OPTIONS).format(new Date(y!, mo! - 1, d!, h!, mi!));
}

/** Text in the language's order (any separators) to `YYYY-MM-DDTHH:mm`; '' when it is not a date-time. */
export function parseLocalValue(text: string, language: string): string {
  const numbers = text.match(/\d+/g);
  const order = partOrder(language);
  if (!numbers || numbers.length !== order.length) return '';
  const get = (part: Part) => Number(numbers[order.indexOf(part)]);
  const [y, mo, d, h, mi] = [get('year'), get('month'), get('day'), get('hour'), get('minute')];
  const date = new Date(y, mo - 1, d, h, mi);
  // Refuse what the Date constructor would roll over (31/02, 25:00).
  if (y < 1000 || date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || h > 23 || mi > 59) return '';
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

type Props = {
  value: string;
  onChange: (value: string) => void;
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  'aria-required'?: boolean;
};

/**
 * A date and time typed the way the app's language writes them (day first and 24-hour time in
 * Italian), whatever language the browser runs in; the native picker would follow the browser.
 * The value stays `YYYY-MM-DDTHH:mm` local time, as a datetime-local input's.
 */
export function DateTimeInput({ value, onChange, id, ...aria }: Props) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [text, setText] = useState(() => formatLocalValue(value, language));
  const [shown, setShown] = useState({ value, language });
  // A new value from outside (a suggested slot) or a language switch rewrites the text.
  if (shown.value !== value || shown.language !== language) {
    setShown({ value, language });
    if (parseLocalValue(text, language) !== value || shown.language !== language) setText(formatLocalValue(value, language));
  }
  const placeholder = partOrder(language)
    .map((part) => t(`dateTime.${part}`))
    .join(' ');
  return (
    <input
      id={id}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const parsed = parseLocalValue(e.target.value, language);
        setShown({ value: parsed, language });
        onChange(parsed);
      }}
      onBlur={() => {
        const parsed = parseLocalValue(text, language);
        if (parsed) setText(formatLocalValue(parsed, language));
      }}
      {...aria}
    />
  );
}
