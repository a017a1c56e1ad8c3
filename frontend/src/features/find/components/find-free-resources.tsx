import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo, useState } from 'react';
import { FormProvider, useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { FormField } from '@/components/form/form-field';
import { Button } from '@/components/ui/button';
import { ApiError } from '@/lib/api/problem';
import type { FindRequest, FindResult } from '@/lib/api/types';
import { addHours, localInputToIso, startOfNextHour, toLocalInput } from '@/lib/datetime';
import { applyServerErrors } from '@/lib/form';
import { formatRange } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useFindResources } from '../api/find-resources';
import { useFindSites } from '../api/get-find-options';
import { useTypeResources } from '../api/get-type-resources';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { parseFilters } from '../utils/filters';
import { findSchema, largestCapacity, type FindValues } from '../utils/find-schema';

function defaults(): FindValues {
  const now = startOfNextHour();
  return {
    site: '',
    type_id: '',
    count: 1,
    quantity: 1,
    attributes: '',
    duration: 1,
    earliest_start: toLocalInput(now),
    latest_end: toLocalInput(addHours(now, 24 * 7)),
    title: '',
  };
}

/** "Find free resources": type, count (and units of each pool), attributes, duration and window
 * -> a proposal -> book. */
export function FindFreeResources() {
  const { t, i18n } = useTranslation();
  const sites = useFindSites();
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<FindResult | null>(null);
  // What the shown proposal was found for: the units it takes of each resource.
  const [proposedUnits, setProposedUnits] = useState(1);
  const find = useFindResources();

  const [initial] = useState(defaults);
  const [site, setSite] = useState(initial.site);
  const [typeId, setTypeId] = useState(initial.type_id);
  const types = useSiteResourceTypes(site);
  const type = (types.data?.items ?? []).find((ty) => ty.id === typeId);
  const resources = useTypeResources(site, typeId);
  const capacity = largestCapacity(type?.capacity, resources.data?.items ?? []);
  const pooled = capacity > 1;

  const schema = useMemo(() => findSchema(t, { capacity }), [t, capacity]);
  const form = useForm<FindValues>({ resolver: zodResolver(schema), defaultValues: initial });
  const { register } = form;

  const body = (values: FindValues, book: boolean): FindRequest => ({
    site: values.site,
    type_id: values.type_id,
    count: values.count,
    ...(pooled ? { quantity: values.quantity } : {}),
    attributes: parseFilters(values.attributes).filters,
    duration: `PT${Math.round(values.duration * 60)}M`,
    earliest_start: localInputToIso(values.earliest_start),
    latest_end: localInputToIso(values.latest_end),
    book,
    title: book ? values.title.trim() : null,
    alternatives: 0,
    description: '',
  });

  const run = (book: boolean) =>
    form.handleSubmit(async (values) => {
      if (book && !values.title.trim()) {
        form.setError('title', { type: 'required', message: t('validation.required') }, { shouldFocus: true });
        return;
      }
      setFailure(null);
      try {
        const found = await find.mutateAsync(body(values, book));
        setResult(found);
        setProposedUnits(pooled ? values.quantity : 1);
        if (found.group) toast.success(t('find.booked', { count: found.group.reservations.length }));
      } catch (error) {
        // The server names `duration` where the form edits hours.
        if (error instanceof ApiError && 'duration' in error.fieldErrors && !form.getFieldState('duration').error) {
          form.setError('duration', { type: 'server', message: error.fieldErrors.duration ?? '' });
        }
        const message = applyServerErrors(form, error, t('errors.network'));
        setFailure(error instanceof ApiError ? (error.problem.detail ?? error.problem.title ?? message) : message);
      }
    });

  const count = useWatch({ control: form.control, name: 'count' });
  return (
    <FormProvider {...form}>
      <form className="card" onSubmit={run(false)} noValidate aria-label={t('find.title')}>
        <FormField name="site" label={t('find.site')} required>
          <select
            {...register('site', {
              onChange: (e: { target: { value: string } }) => {
                setSite(e.target.value);
                setTypeId('');
                form.setValue('type_id', '');
                form.setValue('quantity', 1);
                setResult(null);
              },
            })}
          >
            <option value="">—</option>
            {(sites.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.slug}>
                {s.name}
              </option>
            ))}
          </select>
        </FormField>
        <FormField name="type_id" label={t('find.type')} required>
          <select
            {...register('type_id', {
              onChange: (e: { target: { value: string } }) => {
                setTypeId(e.target.value);
                form.setValue('quantity', 1);
                setResult(null);
              },
            })}
          >
            <option value="">—</option>
            {(types.data?.items ?? []).map((ty) => (
              <option key={ty.id} value={ty.id}>
                {ty.name}
              </option>
            ))}
          </select>
        </FormField>
        <FormField name="count" label={t('find.count')} required>
          <input type="number" min={1} {...register('count', { valueAsNumber: true })} />
        </FormField>
        {pooled ? (
          <FormField name="quantity" label={t('find.quantity')} hint={t('find.quantityHint', { count: capacity })} required>
            <input type="number" min={1} max={capacity} {...register('quantity', { valueAsNumber: true })} />
          </FormField>
        ) : null}
        <FormField name="attributes" label={t('find.attributes')} hint={t('find.attributesHint')}>
          <textarea rows={3} {...register('attributes')} />
        </FormField>
        <FormField name="duration" label={t('find.hours')} required>
          <input type="number" min={0.25} step={0.25} {...register('duration', { valueAsNumber: true })} />
        </FormField>
        <FormField name="earliest_start" label={t('find.earliest')}>
          <input type="datetime-local" {...register('earliest_start')} />
        </FormField>
        <FormField name="latest_end" label={t('find.latest')}>
          <input type="datetime-local" {...register('latest_end')} />
        </FormField>
        <Button type="submit" variant="primary" busy={find.isPending}>
          {t('find.search')}
        </Button>
        {failure ? (
          <p className="field-error" role="alert">
            {failure}
          </p>
        ) : null}
        {result && !result.found ? <p role="status">{t('find.none')}</p> : null}
        {result?.found && result.start && result.end ? (
          <section data-testid="find-proposal" aria-label={t('find.proposal')}>
            <h2>{t('find.proposal')}</h2>
            <p>{formatRange(result.start, result.end, i18n.language)}</p>
            <ul>
              {(result.resources ?? []).map((r) => (
                <li key={r.id}>
                  {r.name}
                  {proposedUnits > 1 ? <> · {t('find.unitsTaken', { count: proposedUnits })}</> : null}
                </li>
              ))}
            </ul>
            {result.group ? (
              <p role="status">{t('find.booked', { count: result.group.reservations.length })}</p>
            ) : (
              <>
                <FormField name="title" label={t('find.bookingTitle')} required>
                  <input {...register('title')} />
                </FormField>
                <Button variant="primary" onClick={() => void run(true)()} busy={find.isPending}>
                  {t('find.book', { count: Number.isInteger(count) ? count : 1 })}
                </Button>
              </>
            )}
          </section>
        ) : null}
      </form>
    </FormProvider>
  );
}
