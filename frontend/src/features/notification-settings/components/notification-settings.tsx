import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { ApiError } from '@/lib/api/problem';
import type { MailKind, PreferencesOut } from '@/lib/api/types';
import { useRevokeCalendarFeed, useRotateCalendarFeed } from '../api/calendar-feed';
import { usePreferences } from '../api/get-preferences';
import { useUpdatePreferences } from '../api/update-preferences';

/** The kinds in the order the form shows them (the API's names). */
export const MAIL_KINDS: MailKind[] = [
  'booking_confirmed',
  'booking_awaiting_approval',
  'booking_approved',
  'booking_rejected',
  'booking_changed',
  'booking_cancelled',
  'provisioning_ready',
  'provisioning_failed',
  'reminder_start',
  'reminder_end',
  'approval_requested',
];

type Locale = 'en' | 'it' | '';

function PreferencesForm({ initial }: { initial: PreferencesOut }) {
  const { t } = useTranslation();
  const update = useUpdatePreferences();
  const [locale, setLocale] = useState<Locale>(initial.locale ?? '');
  const [kinds, setKinds] = useState<Record<string, boolean>>(initial.kinds);
  const [start, setStart] = useState(String(initial.reminder_start_minutes));
  const [end, setEnd] = useState(String(initial.reminder_end_minutes));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const minutes = (value: string) => (/^\d+$/.test(value.trim()) ? Number(value) : NaN);
    const local: Record<string, string> = {};
    for (const [field, value] of [
      ['reminder_start_minutes', start],
      ['reminder_end_minutes', end],
    ] as const) {
      const n = minutes(value);
      if (!(n >= 1 && n <= 10080)) local[field] = t('mailSettings.minutesRange');
    }
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    setErrors({});
    update.mutate(
      {
        locale: locale || null,
        kinds,
        reminder_start_minutes: minutes(start),
        reminder_end_minutes: minutes(end),
      },
      {
        onSuccess: () => setSaved(true),
        onError: (error) => {
          const fields = error instanceof ApiError ? error.fieldErrors : {};
          setErrors(
            Object.keys(fields).length
              ? fields
              : { form: error instanceof ApiError ? error.message : t('errors.network') },
          );
        },
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('mailSettings.formLabel')}>
      <Field label={t('mailSettings.locale')} error={errors.locale}>
        <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
          <option value="">{t('mailSettings.localeDefault')}</option>
          <option value="en">English</option>
          <option value="it">Italiano</option>
        </select>
      </Field>
      <fieldset>
        <legend>{t('mailSettings.kindsLegend')}</legend>
        {MAIL_KINDS.map((kind) => (
          <label key={kind} className="row">
            <input
              type="checkbox"
              checked={kinds[kind] ?? true}
              onChange={(e) => setKinds({ ...kinds, [kind]: e.target.checked })}
            />
            {t(`mailSettings.kinds.${kind}`)}
          </label>
        ))}
        {errors.kinds ? (
          <p className="field-error" role="alert">
            {errors.kinds}
          </p>
        ) : null}
      </fieldset>
      <Field label={t('mailSettings.reminderStart')} error={errors.reminder_start_minutes}>
        <input inputMode="numeric" value={start} onChange={(e) => setStart(e.target.value)} />
      </Field>
      <Field label={t('mailSettings.reminderEnd')} error={errors.reminder_end_minutes}>
        <input inputMode="numeric" value={end} onChange={(e) => setEnd(e.target.value)} />
      </Field>
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={update.isPending}>
          {t('common.save')}
        </Button>
        {saved ? (
          <span role="status" className="muted">
            {t('mailSettings.saved')}
          </span>
        ) : null}
      </div>
    </form>
  );
}

function CalendarFeed({ preferences }: { preferences: PreferencesOut }) {
  const { t } = useTranslation();
  const rotate = useRotateCalendarFeed();
  const revoke = useRevokeCalendarFeed();
  const [url, setUrl] = useState<string | null>(null);
  const [revoking, setRevoking] = useState(false);
  const active = preferences.calendar_feed.active;
  return (
    <div>
      <h3>{t('mailSettings.feedTitle')}</h3>
      <p className="muted">{t('mailSettings.feedHelp')}</p>
      <p>
        {active && preferences.calendar_feed.created_at
          ? t('mailSettings.feedActive', {
              date: new Date(preferences.calendar_feed.created_at).toLocaleString(),
            })
          : t('mailSettings.feedNone')}
      </p>
      {url ? (
        <Field label={t('mailSettings.feedUrl')} hint={t('mailSettings.feedShownOnce')}>
          <input readOnly value={url} onFocus={(e) => e.target.select()} />
        </Field>
      ) : null}
      <div className="form-actions">
        <Button
          variant="primary"
          busy={rotate.isPending}
          onClick={() => rotate.mutate(undefined, { onSuccess: (created) => setUrl(created.url) })}
        >
          {active ? t('mailSettings.feedRotate') : t('mailSettings.feedCreate')}
        </Button>
        {active ? (
          <Button
            variant="danger"
            busy={revoke.isPending}
            onClick={() => setRevoking(true)}
          >
            {t('mailSettings.feedRevoke')}
          </Button>
        ) : null}
      </div>
      {revoking ? (
        <ConfirmDialog
          title={t('confirm.revokeFeedTitle')}
          confirmLabel={t('mailSettings.feedRevoke')}
          busy={revoke.isPending}
          onConfirm={() =>
            revoke.mutate(undefined, {
              onSuccess: () => {
                setUrl(null);
                setRevoking(false);
              },
            })
          }
          onClose={() => setRevoking(false)}
        >
          <p>{t('confirm.revokeFeedBody')}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** The profile's "E-mail and calendar" section: which mails are sent, and the calendar feed. */
export function NotificationSettings() {
  const { t } = useTranslation();
  const preferences = usePreferences();
  return (
    <section className="card" id="notifications" aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t('mailSettings.title')}</h2>
      <QueryState query={preferences}>
        {(data) => (
          <>
            <PreferencesForm initial={data} />
            <CalendarFeed preferences={data} />
          </>
        )}
      </QueryState>
    </section>
  );
}
