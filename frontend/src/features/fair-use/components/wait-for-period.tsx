import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { FormField } from '@/components/form/form-field';
import { Button } from '@/components/ui/button';
import { applyServerErrors } from '@/lib/form';
import { formatRange } from '@/lib/i18n';
import { myWaitlistQuery, useJoinWaitlist } from '../api/waitlist';
import { LeaveWaitlistButton } from './leave-waitlist-button';
import { waitSchema, type WaitValues } from './wait-schema';

type Props = {
  resourceId: string;
  title: string;
  start: string;
  end: string;
  /** The units the refused booking asked for (a pooled resource's). */
  quantity?: number;
  /** The units the resource lends at once: above 1, the units to wait for are asked, 1 to this. */
  capacity?: number;
};

/** Offered when a booking is refused because the period is taken: wait in line for it (and,
 * if asked, be booked automatically when it frees; for a pool, for how many units), see the
 * place in line, leave the line. */
export function WaitForPeriod({ resourceId, title, start, end, quantity = 1, capacity = 1 }: Props) {
  const { t, i18n } = useTranslation();
  const [autoBook, setAutoBook] = useState(true);
  const pooled = capacity > 1;
  const schema = useMemo(() => waitSchema(t, { capacity }), [t, capacity]);
  const form = useForm<WaitValues>({
    resolver: zodResolver(schema),
    defaultValues: { quantity: Math.max(1, Math.min(quantity, capacity)) },
  });
  const [entryId, setEntryId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const join = useJoinWaitlist();
  // Read only once in line: the offer itself asks the server nothing.
  const mine = useQuery({ ...myWaitlistQuery(), enabled: entryId !== null });
  // The place in line as the server says it now (it moves as others leave or are served).
  const entry = entryId ? (mine.data ?? []).find((e) => e.id === entryId) ?? join.data : undefined;

  if (entry && entry.status !== 'cancelled') {
    return (
      <div className="stack" data-testid="waitlist-joined">
        <p>
          {t('fairUse.waiting', { range: formatRange(entry.start, entry.end, i18n.language) })}{' '}
          {entry.quantity > 1 ? <>{t('fairUse.units', { count: entry.quantity })} </> : null}
          <strong>{t('fairUse.position', { position: entry.position ?? 0 })}</strong>
        </p>
        <p className="row">
          <LeaveWaitlistButton
            entryId={entry.id}
            title={entry.title}
            onLeft={() => {
              setEntryId(null);
              join.reset();
            }}
          />
        </p>
      </div>
    );
  }
  return (
    <div className="stack" data-testid="waitlist-offer">
      {pooled ? (
        <FormProvider {...form}>
          <FormField name="quantity" label={t('fairUse.quantity')} hint={t('fairUse.quantityHint', { count: capacity })} required>
            <input type="number" min={1} max={capacity} {...form.register('quantity', { valueAsNumber: true })} />
          </FormField>
        </FormProvider>
      ) : null}
      <label className="row">
        <input type="checkbox" checked={autoBook} onChange={(e) => setAutoBook(e.target.checked)} />
        {t('fairUse.autoBook')}
      </label>
      <p className="row">
        <Button
          size="sm"
          busy={join.isPending}
          onClick={form.handleSubmit(async (values) => {
            setError(null);
            try {
              const made = await join.mutateAsync({
                resourceId,
                title: title.trim() || t('fairUse.waitlistDefaultTitle'),
                start,
                end,
                autoBook,
                ...(pooled ? { quantity: values.quantity } : {}),
              });
              setEntryId(made.id);
            } catch (e) {
              setError(applyServerErrors(form, e, t('errors.network')));
            }
          })}
        >
          {t('fairUse.waitForPeriod')}
        </Button>
      </p>
      {error ? <p className="muted" role="status">{error}</p> : null}
    </div>
  );
}
