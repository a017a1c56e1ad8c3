import { useEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { ReservationRead, ResourceRead } from '@/lib/api/types';
import { useUser } from '@/lib/auth/auth-context';
import { currentTimeZone, formatRange } from '@/lib/i18n';
import { textOn } from '@/lib/color';
import { toast } from '@/lib/toast';
import { useSearchParam } from '@/lib/use-search-param';
import { useCalendarReservations } from '../api/get-calendar-reservations';
import { useCalendarResources } from '../api/get-calendar-resources';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useMoveReservation } from '../api/move-reservation';
import {
  addDays,
  dayBox,
  HOUR_PX,
  overlaps,
  shiftAnchor,
  startOfDay,
  visibleRange,
  wallHours,
  WORKDAY_START_HOUR,
  type CalendarView,
} from '../utils';
import { layoutColumns } from '../lanes';
import { EventBlock, type MoveMode } from './event-block';

export type SlotSelection = { resourceId?: string; start: Date; end: Date };

const VIEWS: CalendarView[] = ['day', 'week', 'month', 'timeline'];
const HOURS = Array.from({ length: 24 }, (_, h) => h);
const FALLBACK_COLOR = '#4f5868';
/** The height a booking's row takes in a timeline lane. */
const TIMELINE_ROW_PX = 28;

/** What the calendar shows, for what another feature draws with it (maintenance windows). */
export type CalendarOverlayProps = {
  site: string;
  start: Date;
  end: Date;
  resourceId?: string;
  resourceName: (id: string) => string | undefined;
};
/** The same, in one day column of the time grid, with where a period falls in it. */
export type CalendarDayOverlayProps = CalendarOverlayProps & {
  day: Date;
  box: (start: Date, end: Date) => { top: number; height: number } | null;
};

type Props = {
  site: string;
  onSelectSlot: (slot: SlotSelection) => void;
  /** Drawn above the calendar, in every view. */
  Legend?: ComponentType<CalendarOverlayProps>;
  /** Drawn in each day column of the day and week views, under the bookings. */
  DayOverlay?: ComponentType<CalendarDayOverlayProps>;
};

export function Calendar({ site, onSelectSlot, Legend, DayOverlay }: Props) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const [viewParam, setView] = useSearchParam('view', 'week');
  const view = (VIEWS as string[]).includes(viewParam) ? (viewParam as CalendarView) : 'week';
  const [dateParam, setDate] = useSearchParam('date');
  const [typeId, setTypeId] = useSearchParam('type');
  const [resourceId, setResourceId] = useSearchParam('resource');
  const [now, setNow] = useState(() => new Date());
  // The current-time line moves every minute.
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = dateParam && !Number.isNaN(new Date(dateParam).getTime()) ? new Date(dateParam) : now;
  const range = visibleRange(view, anchor);

  // The time grid opens on working hours, not at midnight.
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = WORKDAY_START_HOUR * HOUR_PX;
  }, [view]);

  const resources = useCalendarResources(site);
  const types = useSiteResourceTypes(site);
  const reservations = useCalendarReservations({
    site,
    start: range.start.toISOString(),
    end: range.end.toISOString(),
    resourceId,
  });
  const move = useMoveReservation();

  const resourceMap = useMemo(() => new Map((resources.data?.items ?? []).map((r) => [r.id, r])), [resources.data]);
  const colorOf = (resource: ResourceRead | undefined) =>
    types.data?.items.find((ty) => ty.id === resource?.type_id)?.color ?? FALLBACK_COLOR;
  const visible = (reservations.data?.items ?? []).filter(
    (r) => !typeId || resourceMap.get(r.resource_id)?.type_id === typeId,
  );
  const lanes = (resources.data?.items ?? []).filter(
    (r) => (!typeId || r.type_id === typeId) && (!resourceId || r.id === resourceId || r.parent_id === resourceId),
  );

  const overlay: CalendarOverlayProps = {
    site,
    start: range.start,
    end: range.end,
    resourceId: resourceId || undefined,
    resourceName: (id) => resourceMap.get(id)?.name,
  };

  const go = (date: Date) => setDate(date.toISOString().slice(0, 10));
  const today = startOfDay(now).getTime();
  const isToday = (day: Date) => startOfDay(day).getTime() === today;
  const timeOf = (value: string) => new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short' }).format(new Date(value));
  const units = (r: ReservationRead) => (r.quantity && r.quantity > 1 ? ` · ${t('sharedBookings.units', { count: r.quantity })}` : '');
  const labelOf = (r: ReservationRead) =>
    `${r.title} — ${resourceMap.get(r.resource_id)?.name ?? ''} — ${formatRange(r.start, r.end, i18n.language)} — ${t(`status.${r.status}`)}${units(r)}`;
  const timeText = (r: ReservationRead) => `${timeOf(r.start)}–${timeOf(r.end)}${units(r)}`;
  /** A booking in the grid is named by what it shows first (title and time), then the rest. */
  const eventLabel = (r: ReservationRead) =>
    `${r.title} ${timeText(r)} — ${resourceMap.get(r.resource_id)?.name ?? ''} — ${formatRange(r.start, r.end, i18n.language)} — ${t(`status.${r.status}`)}`;
  /** The bookings drawn in one day column, overlapping ones side by side (a pool's, say). */
  const placedOn = (day: Date) => {
    const boxes = visible.flatMap((r) => {
      const box = dayBox(new Date(r.start), new Date(r.end), day);
      return box ? [{ r, box }] : [];
    });
    const columns = layoutColumns(boxes.map(({ r, box }) => ({ id: r.id, start: box.top, end: box.top + box.height })));
    return boxes.map(({ r, box }) => ({ r, box, column: columns.get(r.id) }));
  };
  const editable = (r: ReservationRead) => r.owner_id === user.id && (r.status === 'confirmed' || r.status === 'pending');

  const commit = (r: ReservationRead, mode: MoveMode, minutes: number) => {
    const shift = minutes * 60_000;
    const start = new Date(r.start).getTime() + (mode === 'move' ? shift : 0);
    const end = new Date(r.end).getTime() + shift;
    if (end - start < 15 * 60_000) return;
    move.mutate(
      { reservation: r, start: new Date(start).toISOString(), end: new Date(end).toISOString() },
      {
        onSuccess: () => toast.success(t('calendar.moved')),
        onError: (error) => {
          const detail = error instanceof ApiError ? error.message : t('errors.network');
          toast.error(error instanceof ApiError && error.status === 409 ? `${t('calendar.moveConflict')}: ${detail}` : detail);
        },
      },
    );
  };

  const title = new Intl.DateTimeFormat(i18n.language, view === 'month' ? { month: 'long', year: 'numeric' } : { dateStyle: 'full' }).formatRange(
    range.start,
    view === 'month' || view === 'day' || view === 'timeline' ? range.start : addDays(range.end, -1),
  );

  return (
    <section aria-labelledby="calendar-range">
      <div className="toolbar">
        <Field label={t('common.type')}>
          <select value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            <option value="">{t('resources.anyType')}</option>
            {(types.data?.items ?? []).map((ty) => (
              <option key={ty.id} value={ty.id}>
                {ty.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('common.resource')}>
          <select value={resourceId} onChange={(e) => setResourceId(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {(resources.data?.items ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
        <div className="segmented" role="group" aria-label={t('resources.views')}>
          {VIEWS.map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
              {t(`calendar.${v}`)}
            </button>
          ))}
        </div>
        <div className="row">
          <Button size="sm" onClick={() => go(shiftAnchor(view, anchor, -1))}>
            ‹ {t('common.previous')}
          </Button>
          <Button size="sm" onClick={() => setDate('')}>
            {t('common.today')}
          </Button>
          <Button size="sm" onClick={() => go(shiftAnchor(view, anchor, 1))}>
            {t('common.next')} ›
          </Button>
        </div>
      </div>
      <h2 id="calendar-range" aria-live="polite">
        {title} <span className="muted" style={{ fontSize: '0.85rem', fontWeight: 400 }}>{t('common.timeZone', { tz: currentTimeZone() })}</span>
      </h2>
      <p className="muted">{t('calendar.selectSlot')}</p>
      {Legend ? <Legend {...overlay} /> : null}

      {view === 'month' ? (
        <div className="cal">
          <div className="cal-month">
            {range.days.map((day) => {
              const dayEnd = addDays(day, 1);
              const items = visible.filter((r) => overlaps(new Date(r.start), new Date(r.end), day, dayEnd));
              const other = day.getMonth() !== anchor.getMonth();
              return (
                <div
                  key={day.toISOString()}
                  className={['cal-day', other ? 'other' : '', isToday(day) ? 'today' : ''].join(' ').trim()}
                  aria-current={isToday(day) ? 'date' : undefined}
                >
                  <button
                    type="button"
                    className="btn btn-ghost btn-sm"
                    onClick={() => {
                      setView('day');
                      go(day);
                    }}
                  >
                    {day.getDate()}
                  </button>
                  {items.slice(0, 3).map((r) => (
                    <span
                      key={r.id}
                      className="cal-chip"
                      style={{ background: colorOf(resourceMap.get(r.resource_id)), color: textOn(colorOf(resourceMap.get(r.resource_id))) }}
                      title={labelOf(r)}
                    >
                      {r.title}
                    </span>
                  ))}
                  {items.length > 3 ? <span className="muted">+{items.length - 3}</span> : null}
                </div>
              );
            })}
          </div>
        </div>
      ) : view === 'timeline' ? (
        <div className="cal">
          <div className="timeline">
            <div className="timeline-row">
              <div className="timeline-label cal-head">{t('common.resource')}</div>
              <div className="cal-head" style={{ display: 'grid', gridTemplateColumns: 'repeat(24, 1fr)' }}>
                {HOURS.map((h) => (
                  <span key={h}>{h}</span>
                ))}
              </div>
            </div>
            {lanes.map((lane) => {
              // Overlapping bookings of a lane (a pool's) get a row each instead of covering each other.
              const bars = visible.flatMap((r) =>
                r.resource_id === lane.id
                  ? [{ r, from: Math.max(new Date(r.start).getTime(), range.start.getTime()), to: Math.min(new Date(r.end).getTime(), range.end.getTime()) }]
                  : [],
              );
              const rows = layoutColumns(bars.map(({ r, from, to }) => ({ id: r.id, start: from, end: to })));
              const rowCount = Math.max(1, ...[...rows.values()].map((p) => p.columns));
              return (
                <div key={lane.id} className="timeline-row">
                  <div className="timeline-label">{lane.name}</div>
                  <div className="timeline-lane" style={rowCount > 1 ? { height: 8 + rowCount * TIMELINE_ROW_PX } : undefined}>
                    <div style={{ display: 'grid', gridTemplateColumns: 'repeat(24, 1fr)', height: '100%' }}>
                      {HOURS.map((h) => {
                        const start = new Date(range.start);
                        start.setHours(h);
                        return (
                          <button
                            key={h}
                            type="button"
                            className="cal-slot"
                            style={{ height: '100%' }}
                            aria-label={`${lane.name} ${formatRange(start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString(), i18n.language)}`}
                            onClick={() => onSelectSlot({ resourceId: lane.id, start, end: new Date(start.getTime() + 3_600_000) })}
                          />
                        );
                      })}
                    </div>
                    {bars.map(({ r, from, to }) => {
                      const span = range.end.getTime() - range.start.getTime();
                      return (
                        <div
                          key={r.id}
                          className="timeline-bar"
                          title={labelOf(r)}
                          style={{
                            left: `${((from - range.start.getTime()) / span) * 100}%`,
                            width: `${Math.max(((to - from) / span) * 100, 1)}%`,
                            top: 5 + (rows.get(r.id)?.column ?? 0) * TIMELINE_ROW_PX,
                            background: colorOf(lane),
                            color: textOn(colorOf(lane)),
                          }}
                        >
                          {r.title}
                          {units(r)}
                        </div>
                      );
                    })}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      ) : (
        <div className="cal cal-scroll" ref={scroller} data-testid="time-grid">
          <div className="cal-grid" style={{ gridTemplateColumns: `3.5rem repeat(${range.days.length}, 1fr)` }}>
            <div className="cal-head" />
            {range.days.map((day) => (
              <div
                key={day.toISOString()}
                className={isToday(day) ? 'cal-head today' : 'cal-head'}
                aria-current={isToday(day) ? 'date' : undefined}
              >
                {new Intl.DateTimeFormat(i18n.language, { weekday: 'short', day: 'numeric', month: 'short' }).format(day)}
              </div>
            ))}
            <div>
              {HOURS.map((h) => (
                <div key={h} className="cal-time">
                  {String(h).padStart(2, '0')}:00
                </div>
              ))}
            </div>
            {range.days.map((day) => (
              <div key={day.toISOString()} className={isToday(day) ? 'cal-col today' : 'cal-col'} style={{ height: 24 * HOUR_PX }}>
                {isToday(day) ? (
                  <div className="cal-now" style={{ top: wallHours(now) * HOUR_PX }} data-testid="now-line">
                    <span className="sr-only">{t('calendar.now', { time: timeOf(now.toISOString()) })}</span>
                  </div>
                ) : null}
                {HOURS.map((h) => {
                  const start = startOfDay(day);
                  start.setHours(h);
                  const end = new Date(start.getTime() + 3_600_000);
                  return (
                    <button
                      key={h}
                      type="button"
                      className="cal-slot"
                      aria-label={formatRange(start.toISOString(), end.toISOString(), i18n.language)}
                      onClick={() => onSelectSlot({ resourceId: resourceId || undefined, start, end })}
                    />
                  );
                })}
                {DayOverlay ? <DayOverlay {...overlay} day={day} box={(from, to) => dayBox(from, to, day)} /> : null}
                {placedOn(day).map(({ r, box, column }) => {
                  return (
                    <EventBlock
                      key={r.id}
                      reservation={r}
                      top={box.top}
                      height={box.height}
                      column={column}
                      color={colorOf(resourceMap.get(r.resource_id))}
                      label={eventLabel(r)}
                      time={timeText(r)}
                      editable={editable(r)}
                      onCommit={(mode, minutes) => commit(r, mode, minutes)}
                    />
                  );
                })}
              </div>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
