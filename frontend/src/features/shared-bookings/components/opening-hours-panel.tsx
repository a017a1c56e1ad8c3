import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryState } from '@/components/ui/query-state';
import { formatRange } from '@/lib/i18n';
import { useOpeningHours } from '../api/availability';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The opening hours that apply to a resource (in the site's time zone) and its open spans in
 * the coming week. */
export function OpeningHoursPanel({ resourceId }: { resourceId: string }) {
  const { t, i18n } = useTranslation();
  const [start, end] = useMemo(() => {
    const now = new Date();
    now.setMinutes(0, 0, 0);
    return [now.toISOString(), new Date(now.getTime() + 7 * 86_400_000).toISOString()];
  }, []);
  const hours = useOpeningHours(resourceId, start, end);
  return (
    <section aria-labelledby="opening-hours-title">
      <h2 id="opening-hours-title">{t('sharedBookings.openingHours')}</h2>
      <QueryState query={hours}>
        {(h) =>
          h.level === null && h.exceptions.length === 0 ? (
            <p>{t('sharedBookings.alwaysOpen')}</p>
          ) : (
            <>
              <p className="field-hint">{t('sharedBookings.inZone', { tz: h.time_zone })}</p>
              <ul>
                {DAYS.map((day, index) => {
                  const spans = h.weekly.filter((w) => w.weekday === index);
                  return (
                    <li key={day}>
                      <strong>{t(`sharedBookings.day.${day}`)}</strong>{' '}
                      {spans.length === 0 ? t('sharedBookings.closed') : spans.map((w) => `${w.opens}–${w.closes}`).join(', ')}
                    </li>
                  );
                })}
              </ul>
              {h.exceptions.length > 0 ? (
                <ul>
                  {h.exceptions.map((e) => (
                    <li key={e.date}>
                      {e.date}: {e.closed ? t('sharedBookings.closed') : `${e.opens}–${e.closes}`}
                      {e.reason ? ` (${e.reason})` : ''}
                    </li>
                  ))}
                </ul>
              ) : null}
              <h3>{t('sharedBookings.openThisWeek')}</h3>
              <ul>
                {h.open.map((span) => (
                  <li key={span.start}>{formatRange(span.start, span.end, i18n.language)}</li>
                ))}
              </ul>
            </>
          )
        }
      </QueryState>
    </section>
  );
}
