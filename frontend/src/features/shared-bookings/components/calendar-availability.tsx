import { useTranslation } from 'react-i18next';
import type { EffectiveOpeningHours, FreeUnits } from '@/lib/api/types';
import { formatRange } from '@/lib/i18n';
import { useFreeUnits, useOpeningHours } from '../api/availability';

/** What the calendar shows (its overlay props, by shape). */
type Shown = {
  site: string;
  start: Date;
  end: Date;
  resourceId?: string;
  resourceName: (id: string) => string | undefined;
};
type InDay = Shown & { day: Date; box: (start: Date, end: Date) => { top: number; height: number } | null };

const restricts = (h: EffectiveOpeningHours | undefined) => Boolean(h && (h.level !== null || h.exceptions.length > 0));

/** The parts of [from, to) outside the open spans (the spans sorted, as the API sends them). */
export function closedSpans(open: { start: string; end: string }[], from: Date, to: Date): { start: Date; end: Date }[] {
  const out: { start: Date; end: Date }[] = [];
  let cursor = from.getTime();
  for (const span of open) {
    const s = Math.max(new Date(span.start).getTime(), from.getTime());
    const e = Math.min(new Date(span.end).getTime(), to.getTime());
    if (e <= s) continue;
    if (s > cursor) out.push({ start: new Date(cursor), end: new Date(s) });
    cursor = Math.max(cursor, e);
  }
  if (cursor < to.getTime()) out.push({ start: new Date(cursor), end: to });
  return out;
}

/** The chosen resource's opening hours and pool over the visible range (one request each, shared
 * by the legend and every day column). */
function useAvailability({ start, end, resourceId = '' }: Shown) {
  const from = start.toISOString();
  const to = end.toISOString();
  const hours = useOpeningHours(resourceId, from, to, Boolean(resourceId));
  const free = useFreeUnits(resourceId, from, to, Boolean(resourceId));
  const pool: FreeUnits | undefined = free.data && free.data.capacity > 1 ? free.data : undefined;
  return { hours: restricts(hours.data) ? hours.data : undefined, pool };
}

/** Above the calendar: whose opening hours grey the closed hours, and the size of a pool. */
export function AvailabilityLegend(props: Shown) {
  const { t } = useTranslation();
  const { hours, pool } = useAvailability(props);
  if (!props.resourceId) return <p className="muted small">{t('sharedBookings.chooseResourceForHours')}</p>;
  const name = props.resourceName(props.resourceId) ?? '';
  if (!hours && !pool) return null;
  return (
    <div className="callout" role="note" data-testid="availability-legend">
      {hours ? (
        <p>
          <span className="cal-closed-swatch" aria-hidden="true" />{' '}
          {t('sharedBookings.closedLegend', {
            name,
            level: t(`sharedBookings.hoursLevel.${hours.level ?? 'site'}`),
            tz: hours.time_zone,
          })}
        </p>
      ) : null}
      {pool ? <p>{t('sharedBookings.poolLegend', { name, count: pool.capacity })}</p> : null}
    </div>
  );
}

/** In one day column: grey bands over the closed hours, and a strip of the pool's free units. */
export function AvailabilityBands(props: InDay) {
  const { t, i18n } = useTranslation();
  const { hours, pool } = useAvailability(props);
  const dayStart = new Date(props.day);
  dayStart.setHours(0, 0, 0, 0);
  const dayEnd = new Date(dayStart);
  dayEnd.setDate(dayEnd.getDate() + 1);
  return (
    <>
      {hours
        ? closedSpans(hours.open, dayStart, dayEnd).map((span) => {
            const box = props.box(span.start, span.end);
            if (!box) return null;
            const label = `${t('sharedBookings.closedHours')}: ${formatRange(span.start.toISOString(), span.end.toISOString(), i18n.language)}`;
            return (
              <div
                key={span.start.toISOString()}
                className="cal-closed"
                data-testid="closed-band"
                title={label}
                style={{ top: box.top, height: box.height }}
              >
                <span className="sr-only">{label}</span>
              </div>
            );
          })
        : null}
      {pool ? (
        <div className="cal-free-units" data-testid="free-units">
          {pool.spans.map((span) => {
            const box = props.box(new Date(span.start), new Date(span.end));
            if (!box) return null;
            const label = `${t('sharedBookings.freeInSpan', { free: span.free, count: pool.capacity })}: ${formatRange(span.start, span.end, i18n.language)}`;
            const level = span.free === 0 ? 'none' : span.free < pool.capacity ? 'some' : 'all';
            return (
              <div
                key={span.start}
                className={`cal-free cal-free-${level}`}
                data-free={span.free}
                title={label}
                aria-label={label}
                role="img"
                style={{ top: box.top, height: box.height }}
              >
                {span.free}
              </div>
            );
          })}
        </div>
      ) : null}
    </>
  );
}
