import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { ConflictMode, SeriesCreate, SeriesPreview } from '@/lib/api/types';
import { formatRange } from '@/lib/i18n';
import { usePreviewSeries } from '../api/preview-series';
import { buildRrule, repeatErrors, WEEKDAYS, type Frequency, type Repeat, type Weekday } from '../utils/rrule';

export type RepeatValue = { repeat: Repeat; mode: ConflictMode } | null;

type RepeatControlProps = {
  value: RepeatValue;
  onChange: (value: RepeatValue) => void;
  /** The series the form would book with this rule, or null while the form is incomplete. */
  seriesBody: (rrule: string, mode: ConflictMode) => SeriesCreate | null;
};

const DEFAULT: Repeat = { frequency: 'WEEKLY', interval: 1, weekdays: [], count: 4, until: null };

/** "Repeat" in the booking form: a rule of the backend's subset and a preview of the
 * occurrences and of the ones already taken, before anything is booked. */
export function RepeatControl({ value, onChange, seriesBody }: RepeatControlProps) {
  const { t, i18n } = useTranslation();
  const preview = usePreviewSeries();
  const [shown, setShown] = useState<SeriesPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const repeat = value?.repeat ?? null;
  const errors = repeat ? repeatErrors(repeat) : {};

  const set = (patch: Partial<Repeat>) => {
    setShown(null);
    onChange({ repeat: { ...(repeat ?? DEFAULT), ...patch }, mode: value?.mode ?? 'all-or-nothing' });
  };

  const runPreview = () => {
    if (!repeat || Object.keys(errors).length > 0) return;
    const body = seriesBody(buildRrule(repeat), value?.mode ?? 'all-or-nothing');
    if (!body) {
      setProblem(t('series.completeFormFirst'));
      return;
    }
    setProblem(null);
    preview.mutate(body, {
      onSuccess: setShown,
      onError: (error) => setProblem(error instanceof ApiError ? (error.problem.detail ?? error.problem.title ?? '') : t('errors.network')),
    });
  };

  const busy = shown?.occurrences.filter((o) => !o.free).length ?? 0;
  return (
    <fieldset className="repeat-control" aria-label={t('series.repeat')}>
      <legend>{t('series.repeat')}</legend>
      <Field label={t('series.frequency')}>
        <select
          value={repeat?.frequency ?? 'NONE'}
          onChange={(e) => {
            setShown(null);
            if (e.target.value === 'NONE') onChange(null);
            else set({ frequency: e.target.value as Frequency });
          }}
        >
          <option value="NONE">{t('series.none')}</option>
          <option value="DAILY">{t('series.daily')}</option>
          <option value="WEEKLY">{t('series.weekly')}</option>
          <option value="MONTHLY">{t('series.monthly')}</option>
        </select>
      </Field>
      {repeat ? (
        <>
          <Field label={t('series.interval')} error={errors.interval ? t('series.invalidNumber') : undefined}>
            <input type="number" min={1} value={repeat.interval} onChange={(e) => set({ interval: Number(e.target.value) })} />
          </Field>
          {repeat.frequency === 'WEEKLY' ? (
            <div className="weekday-picker" role="group" aria-label={t('series.weekdays')}>
              {WEEKDAYS.map((day) => (
                <label key={day}>
                  <input
                    type="checkbox"
                    checked={repeat.weekdays.includes(day)}
                    onChange={(e) =>
                      set({
                        weekdays: e.target.checked
                          ? [...repeat.weekdays, day]
                          : repeat.weekdays.filter((d: Weekday) => d !== day),
                      })
                    }
                  />
                  {t(`series.day.${day}`)}
                </label>
              ))}
            </div>
          ) : null}
          <Field label={t('series.count')} error={errors.count ? t('series.invalidNumber') : undefined}>
            <input
              type="number"
              min={1}
              value={repeat.count ?? ''}
              disabled={repeat.until !== null}
              onChange={(e) => set({ count: e.target.value === '' ? null : Number(e.target.value) })}
            />
          </Field>
          <Field label={t('series.until')} hint={t('series.untilHint')} error={errors.until ? t('series.invalidDate') : undefined}>
            <input type="date" value={repeat.until ?? ''} onChange={(e) => set({ until: e.target.value || null })} />
          </Field>
          <Field label={t('series.mode')}>
            <select
              value={value?.mode ?? 'all-or-nothing'}
              onChange={(e) => onChange({ repeat, mode: e.target.value as ConflictMode })}
            >
              <option value="all-or-nothing">{t('series.allOrNothing')}</option>
              <option value="skip-conflicts">{t('series.skipConflicts')}</option>
            </select>
          </Field>
          <Button onClick={runPreview} busy={preview.isPending}>
            {t('series.preview')}
          </Button>
          {problem ? (
            <p className="field-error" role="alert">
              {problem}
            </p>
          ) : null}
          {shown ? (
            <div data-testid="series-preview">
              <p>
                {t('series.previewSummary', { count: shown.occurrences.length, busy, zone: shown.time_zone })}
              </p>
              <ol className="series-occurrences">
                {shown.occurrences.map((o) => (
                  <li key={o.start} data-free={o.free}>
                    {formatRange(o.start, o.end, i18n.language)} — {o.free ? t('series.free') : t('series.taken')}
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}
