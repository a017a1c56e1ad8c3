import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { StatusBadge } from '@/components/ui/status-badge';
import { ApiError } from '@/lib/api/problem';
import type { SeriesRead, SeriesScope, SeriesUpdate, SkippedOccurrenceRead } from '@/lib/api/types';
import { formatRange } from '@/lib/i18n';
import { describeRrule } from '@/lib/recurrence';
import { toast } from '@/lib/toast';
import { useCancelSeriesScope, useUpdateSeries } from '../api/change-series';
import { useSeries } from '../api/get-series';

const SCOPES: SeriesScope[] = ['this', 'following', 'all'];
// Occurrences still to come or running: the ones a change or a cancellation can start from.
const CANCELLABLE = ['pending', 'confirmed', 'active'];
const KNOWN_REASONS = ['booking-conflict', 'quota-exceeded', 'blackout', 'resource-unavailable'];

type Refusal = { kind: 'conflicts'; items: SkippedOccurrenceRead[] } | { kind: 'stale' } | { kind: 'other'; message: string };

function refusalOf(error: unknown): Refusal {
  if (error instanceof ApiError) {
    if (error.status === 412) return { kind: 'stale' };
    const conflicts = error.problem.conflicts;
    if (error.status === 409 && Array.isArray(conflicts)) return { kind: 'conflicts', items: conflicts as SkippedOccurrenceRead[] };
    return { kind: 'other', message: error.problem.detail ?? error.message };
  }
  return { kind: 'other', message: String(error) };
}

/** Per refused occurrence: when, and why (conflict, quota, maintenance...). */
function RefusalPanel({ refusal }: { refusal: Refusal }) {
  const { t, i18n } = useTranslation();
  if (refusal.kind === 'stale') {
    return (
      <div className="callout callout-warning" role="alert" data-testid="series-refusal">
        {t('seriesEdit.stale')}
      </div>
    );
  }
  if (refusal.kind === 'other') {
    return (
      <div className="callout callout-danger" role="alert" data-testid="series-refusal">
        {refusal.message}
      </div>
    );
  }
  return (
    <div className="callout callout-danger" role="alert" data-testid="series-refusal">
      <strong>{t('seriesEdit.refused', { count: refusal.items.length })}</strong>
      <ul>
        {refusal.items.map((item) => (
          <li key={`${item.start}-${item.reason}`} data-testid="series-refused-occurrence">
            {formatRange(item.start, item.end, i18n.language)}:{' '}
            {KNOWN_REASONS.includes(item.reason)
              ? t(`seriesEdit.reason.${item.reason}` as 'seriesEdit.reason.booking-conflict')
              : item.reason}
            {/* A conflict's detail names the other booking by id: "already booked" says it. */}
            {item.detail && item.reason !== 'booking-conflict' ? <span className="muted"> — {item.detail}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function minutesToIso(value: string): string | undefined {
  const minutes = Number(value);
  return value && Number.isInteger(minutes) && minutes > 0 ? `PT${minutes}M` : undefined;
}

function Editor({ series }: { series: SeriesRead }) {
  const { t, i18n } = useTranslation();
  const update = useUpdateSeries();
  const cancel = useCancelSeriesScope();
  const occurrences = series.occurrences ?? [];
  const upcoming = occurrences.filter((o) => CANCELLABLE.includes(o.status));
  const firstStart = occurrences.map((o) => o.start).sort()[0];
  const ruleText =
    describeRrule(series.rrule, i18n.language, { firstStart, timeZone: series.time_zone }) ??
    t('seriesEdit.rawRule', { rule: series.rrule });
  const [scope, setScope] = useState<SeriesScope>('all');
  const [confirming, setConfirming] = useState(false);
  const [occurrenceId, setOccurrenceId] = useState(upcoming[0]?.id ?? '');
  const [title, setTitle] = useState(series.title);
  const [startTime, setStartTime] = useState('');
  const [minutes, setMinutes] = useState('');
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const chosen = scope === 'all' ? null : occurrenceId || null;
  const open = series.status === 'active' && upcoming.length > 0;

  const queryClient = useQueryClient();
  const onError = (error: unknown) => {
    const next = refusalOf(error);
    setRefusal(next);
    // Someone changed the series meanwhile: show its current state, to be checked and saved again.
    if (next.kind === 'stale') void queryClient.invalidateQueries({ queryKey: ['series', series.id] });
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const body: SeriesUpdate = { scope, occurrence_id: chosen };
    if (title.trim() && title !== series.title) body.title = title.trim();
    if (startTime) body.start_time = `${startTime}:00`;
    const duration = minutesToIso(minutes);
    if (duration) body.duration = duration;
    setRefusal(null);
    update.mutate(
      { series, body },
      {
        onSuccess: () => {
          toast.success(t('seriesEdit.saved'));
          setStartTime('');
          setMinutes('');
        },
        onError,
      },
    );
  };
  const cancelScope = () => {
    setRefusal(null);
    cancel.mutate(
      { series, body: { scope, occurrence_id: chosen, ...(reason ? { reason } : {}) } },
      {
        onSuccess: () => {
          toast.success(t('series.cancelled'));
          setConfirming(false);
        },
        onError: (error) => {
          setConfirming(false);
          onError(error);
        },
      },
    );
  };

  return (
    <>
      <PageHeader title={series.title} actions={<Link to="/reservations">{t('seriesEdit.back')}</Link>}>
        <p className="muted" data-testid="series-summary">
          {t('seriesEdit.summary', { rule: ruleText, zone: series.time_zone })} <StatusBadge status={series.status} />
        </p>
      </PageHeader>
      <section className="card" aria-labelledby="series-occurrences">
        <h2 id="series-occurrences">{t('seriesEdit.occurrences')}</h2>
        <ul className="list">
          {occurrences.map((o) => (
            <li key={o.id} data-testid="series-occurrence" className="row">
              <span>{formatRange(o.start, o.end, i18n.language)}</span>
              <span>{o.title}</span>
              <StatusBadge status={o.status} />
            </li>
          ))}
        </ul>
      </section>
      {open ? (
        <form className="card stack" onSubmit={save} aria-labelledby="series-change">
          <h2 id="series-change">{t('seriesEdit.change')}</h2>
          <Field label={t('seriesEdit.scope')}>
            <select value={scope} onChange={(e) => setScope(e.target.value as SeriesScope)}>
              {SCOPES.map((s) => (
                <option key={s} value={s}>
                  {t(`seriesEdit.scopes.${s}` as 'seriesEdit.scopes.all')}
                </option>
              ))}
            </select>
          </Field>
          {scope !== 'all' ? (
            <Field label={t('seriesEdit.occurrence')}>
              <select value={occurrenceId} onChange={(e) => setOccurrenceId(e.target.value)}>
                {upcoming.map((o) => (
                  <option key={o.id} value={o.id}>
                    {formatRange(o.start, o.end, i18n.language)}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <Field label={t('seriesEdit.title')}>
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
          </Field>
          <div className="row">
            <Field label={t('seriesEdit.startTime', { zone: series.time_zone })} hint={t('seriesEdit.keepHint')}>
              <input type="time" value={startTime} onChange={(e) => setStartTime(e.target.value)} />
            </Field>
            <Field label={t('seriesEdit.minutes')} hint={t('seriesEdit.keepHint')}>
              <input type="number" min={1} step={1} inputMode="numeric" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
            </Field>
          </div>
          {refusal ? <RefusalPanel refusal={refusal} /> : null}
          <div className="actions row">
            <Button type="submit" variant="primary" busy={update.isPending} disabled={scope !== 'all' && !occurrenceId}>
              {t('seriesEdit.save')}
            </Button>
          </div>
          <h2>{t('seriesEdit.cancelTitle')}</h2>
          <Field label={`${t('reservations.reason')} (${t('common.optional')})`}>
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
          </Field>
          <div className="actions row">
            <Button variant="danger" onClick={() => setConfirming(true)} disabled={scope !== 'all' && !occurrenceId}>
              {t(`seriesEdit.cancelScopes.${scope}` as 'seriesEdit.cancelScopes.all')}
            </Button>
          </div>
          {confirming ? (
            <ConfirmDialog
              title={t('confirm.seriesCancelTitle', { title: series.title })}
              confirmLabel={t(`seriesEdit.cancelScopes.${scope}` as 'seriesEdit.cancelScopes.all')}
              busy={cancel.isPending}
              onConfirm={cancelScope}
              onClose={() => setConfirming(false)}
            >
              <p>{t('confirm.seriesCancelBody')}</p>
            </ConfirmDialog>
          ) : null}
        </form>
      ) : (
        <p className="muted">{t('seriesEdit.closed')}</p>
      )}
    </>
  );
}

/** A recurring series: its occurrences, a change of this / this and the following / all of
 * them (with If-Match on the series, refused occurrences listed one by one), cancellation. */
export function SeriesEditor({ seriesId }: { seriesId: string }) {
  const series = useSeries(seriesId);
  return <QueryState query={series}>{(data) => <Editor series={data} />}</QueryState>;
}
