import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { FindRequest, FindResult } from '@/lib/api/types';
import { addHours, localInputToIso, startOfNextHour, toLocalInput } from '@/lib/datetime';
import { formatRange } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useFindResources } from '../api/find-resources';
import { useFindSites } from '../api/get-find-options';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { parseFilters } from '../utils/filters';

/** "Find free resources": type, count, attributes, duration and window -> a proposal -> book. */
export function FindFreeResources() {
  const { t, i18n } = useTranslation();
  const sites = useFindSites();
  const [site, setSite] = useState('');
  const types = useSiteResourceTypes(site);
  const [typeId, setTypeId] = useState('');
  const [count, setCount] = useState(1);
  const [attributes, setAttributes] = useState('');
  const [hours, setHours] = useState(1);
  const now = startOfNextHour();
  const [earliest, setEarliest] = useState(toLocalInput(now));
  const [latest, setLatest] = useState(toLocalInput(addHours(now, 24 * 7)));
  const [title, setTitle] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<FindResult | null>(null);
  const find = useFindResources();

  const request = (book: boolean): FindRequest | null => {
    const found: Record<string, string> = {};
    const parsed = parseFilters(attributes);
    if (!site) found.site = t('validation.required');
    if (!typeId) found.type_id = t('validation.required');
    if (!Number.isInteger(count) || count < 1) found.count = t('series.invalidNumber');
    if (!(hours > 0)) found.duration = t('series.invalidNumber');
    if (parsed.invalid.length > 0) found.attributes = t('find.badFilters', { lines: parsed.invalid.join(', ') });
    if (book && !title.trim()) found.title = t('validation.required');
    setErrors(found);
    if (Object.keys(found).length > 0) return null;
    return {
      site,
      type_id: typeId,
      count,
      attributes: parsed.filters,
      duration: `PT${Math.round(hours * 60)}M`,
      earliest_start: localInputToIso(earliest),
      latest_end: localInputToIso(latest),
      book,
      title: book ? title.trim() : null,
      alternatives: 0,
      description: '',
    };
  };

  const run = (book: boolean) => {
    const body = request(book);
    if (!body) return;
    setFailure(null);
    find.mutate(body, {
      onSuccess: (found) => {
        setResult(found);
        if (found.group) toast.success(t('find.booked', { count: found.group.reservations.length }));
      },
      onError: (error) => {
        if (error instanceof ApiError) {
          setErrors(error.fieldErrors);
          setFailure(error.problem.detail ?? error.problem.title ?? t('errors.title'));
        } else setFailure(t('errors.network'));
      },
    });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    run(false);
  };

  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-label={t('find.title')}>
      <Field label={t('find.site')} required error={errors.site}>
        <select value={site} onChange={(e) => (setSite(e.target.value), setTypeId(''), setResult(null))}>
          <option value="">—</option>
          {(sites.data?.items ?? []).map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('find.type')} required error={errors.type_id}>
        <select value={typeId} onChange={(e) => (setTypeId(e.target.value), setResult(null))}>
          <option value="">—</option>
          {(types.data?.items ?? []).map((ty) => (
            <option key={ty.id} value={ty.id}>
              {ty.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('find.count')} required error={errors.count}>
        <input type="number" min={1} value={count} onChange={(e) => setCount(Number(e.target.value))} />
      </Field>
      <Field label={t('find.attributes')} hint={t('find.attributesHint')} error={errors.attributes}>
        <textarea rows={3} value={attributes} onChange={(e) => setAttributes(e.target.value)} />
      </Field>
      <Field label={t('find.hours')} required error={errors.duration}>
        <input type="number" min={0.25} step={0.25} value={hours} onChange={(e) => setHours(Number(e.target.value))} />
      </Field>
      <Field label={t('find.earliest')} error={errors.earliest_start}>
        <input type="datetime-local" value={earliest} onChange={(e) => setEarliest(e.target.value)} />
      </Field>
      <Field label={t('find.latest')} error={errors.latest_end}>
        <input type="datetime-local" value={latest} onChange={(e) => setLatest(e.target.value)} />
      </Field>
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
              <li key={r.id}>{r.name}</li>
            ))}
          </ul>
          {result.group ? (
            <p role="status">{t('find.booked', { count: result.group.reservations.length })}</p>
          ) : (
            <>
              <Field label={t('find.bookingTitle')} required error={errors.title}>
                <input value={title} onChange={(e) => setTitle(e.target.value)} />
              </Field>
              <Button variant="primary" onClick={() => run(true)} busy={find.isPending}>
                {t('find.book', { count })}
              </Button>
            </>
          )}
        </section>
      ) : null}
    </form>
  );
}
