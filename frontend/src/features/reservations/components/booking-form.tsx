import { useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { DateTimeInput } from '@/components/ui/date-time-input';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import { idempotencyKey } from '@/lib/api/client';
import {
  durationMs,
  type CoUserAdd,
  type ConflictMode,
  type ReservationRead,
  type ResourceRead,
  type SeriesCreate,
} from '@/lib/api/types';
import { useUser } from '@/lib/auth/auth-context';
import { addHours, localInputToIso, startOfNextHour, toLocalInput } from '@/lib/datetime';
import { currentTimeZone, formatRange } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useCreateSeries } from '../api/create-series';
import { RepeatControl, type RepeatValue } from './repeat-control';
import { buildRrule } from '../utils/rrule';
import { useBookableResources } from '../api/get-bookable-resources';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useSiteMembers } from '../api/get-site-members';
import { useSiteRole } from '../api/get-site-role';
import { useCreateReservation } from '../api/create-reservation';
import { ConflictPanel, type ConflictInfo } from './conflict-panel';
import {
  initialValues,
  ParameterFields,
  toParameters,
  validateParameters,
  type ParametersSchema,
  type ParameterValues,
} from './parameter-fields';


/** Orders resources parent-first and returns each with its depth, for an indented picker. */
export function hierarchyOrder(resources: ResourceRead[]): { resource: ResourceRead; depth: number }[] {
  const children = new Map<string | null, ResourceRead[]>();
  const ids = new Set(resources.map((r) => r.id));
  for (const r of resources) {
    const parent = r.parent_id && ids.has(r.parent_id) ? r.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const out: { resource: ResourceRead; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      out.push({ resource: r, depth });
      walk(r.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

type BookingFormProps = {
  site: string;
  resourceId?: string;
  start?: Date;
  end?: Date;
  /** A single booking also hands over the people to share it with (``renderCoUsers``); the form
   * stays busy while a returned promise runs. */
  onCreated: (reservation: ReservationRead, extras: { coUsers: CoUserAdd[] }) => void | Promise<void>;
  /** Offered when the period asked for is taken by another booking (e.g. to wait for it). */
  onTaken?: (asked: { resource: string; start: string; end: string; title: string; quantity: number; capacity: number }) => ReactNode;
  /** The quantity control of a pooled resource (capacity > 1), e.g. with its free units. */
  renderQuantity?: (props: QuantityProps) => ReactNode;
  /** The people a single booking is shared with once made (co-users), e.g. rows of name and role. */
  renderCoUsers?: (props: { value: CoUserAdd[]; onChange: (value: CoUserAdd[]) => void }) => ReactNode;
};

export type QuantityProps = {
  resourceId: string;
  capacity: number;
  start: string;
  end: string;
  value: number;
  onChange: (value: number) => void;
  error?: string | undefined;
};

export function BookingForm({ site, resourceId = '', start, end, onCreated, onTaken, renderQuantity, renderCoUsers }: BookingFormProps) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const resources = useBookableResources(site);
  const types = useSiteResourceTypes(site);
  const role = useSiteRole(site);
  const canBookForOthers = user.isPlatformAdmin || role.data === 'site-admin';
  const members = useSiteMembers(site, canBookForOthers);
  const create = useCreateReservation();
  const createSeries = useCreateSeries();
  const [repeat, setRepeat] = useState<RepeatValue>(null);

  const initialStart = start ?? startOfNextHour();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [resource, setResource] = useState(resourceId);
  const [startValue, setStartValue] = useState(toLocalInput(initialStart));
  const [endValue, setEndValue] = useState(toLocalInput(end ?? addHours(initialStart, 1)));
  const [ownerId, setOwnerId] = useState('');
  const [params, setParams] = useState<ParameterValues>({});
  const [quantity, setQuantity] = useState(1);
  const [coUsers, setCoUsers] = useState<CoUserAdd[]>([]);
  const [finishing, setFinishing] = useState(false);
  const [overrideHours, setOverrideHours] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // `short`: refused for too few free units of a pool (no one booking to name).
  const [conflict, setConflict] = useState<
    (ConflictInfo & { short?: boolean; asked: { resource: string; start: string; end: string; quantity: number; capacity: number } }) | null
  >(null);
  const [failure, setFailure] = useState<{ title: string; detail?: string } | null>(null);
  const key = useRef(idempotencyKey());
  const formRef = useRef<HTMLFormElement>(null);

  const ordered = useMemo(() => hierarchyOrder(resources.data?.items ?? []), [resources.data]);
  const selected = resources.data?.items.find((r) => r.id === resource);
  const type = types.data?.items.find((ty) => ty.id === selected?.type_id);
  const schema = (type?.parameters ?? {}) as ParametersSchema;
  const capacity = selected?.capacity ?? type?.capacity ?? 1;
  const hasChildren = Boolean(selected && resources.data?.items.some((r) => r.parent_id === selected.id));

  const paramMessage = (code: string): string => {
    const [name, arg = ''] = code.split(':');
    switch (name) {
      case 'required':
        return t('validation.required');
      case 'not-a-number':
        return t('validation.number');
      case 'not-an-integer':
        return t('validation.integer');
      case 'min':
        return t('validation.min', { n: arg });
      case 'max':
        return t('validation.max', { n: arg });
      case 'minLength':
        return t('validation.minLength', { n: arg });
      case 'maxLength':
        return t('validation.maxLength', { n: arg });
      case 'pattern':
        return t('validation.pattern');
      case 'enum':
        return t('validation.enum');
      default:
        return code;
    }
  };

  /** A changed value drops the error shown for it (it is checked again on submit). */
  const clearError = (...fields: string[]) =>
    setErrors((prev) => {
      if (!fields.some((f) => f in prev)) return prev;
      const next = { ...prev };
      for (const f of fields) delete next[f];
      return next;
    });

  const chooseResource = (id: string) => {
    setResource(id);
    const next = resources.data?.items.find((r) => r.id === id);
    const nextType = types.data?.items.find((ty) => ty.id === next?.type_id);
    setParams(initialValues((nextType?.parameters ?? {}) as ParametersSchema));
    setErrors((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => !k.startsWith('parameters'))));
  };

  const validate = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!title.trim()) out.title = t('validation.required');
    if (!resource) out.resource_id = t('validation.required');
    const s = localInputToIso(startValue);
    const e = localInputToIso(endValue);
    if (!s) out.start = t('validation.required');
    if (!e) out.end = t('validation.required');
    if (s && e && e <= s) out.end = t('booking.endBeforeStart');
    for (const [name, code] of Object.entries(validateParameters(schema, params))) {
      out[`parameters.${name}`] = paramMessage(code);
    }
    return out;
  };

  /** The series this form would book with ``rrule``, or null while it is incomplete. */
  const seriesBody = (rrule: string, mode: ConflictMode): SeriesCreate | null => {
    const s = localInputToIso(startValue);
    const e = localInputToIso(endValue);
    if (!resource || !s || !e || e <= s) return null;
    return {
      resource_id: resource,
      title: title.trim() || t('series.repeat'),
      description,
      start: s,
      end: e,
      rrule,
      conflict_mode: mode,
      parameters: toParameters(schema, params),
      owner_id: ownerId || null,
    };
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setConflict(null);
    setFailure(null);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    if (repeat) {
      const body = seriesBody(buildRrule(repeat.repeat), repeat.mode);
      if (!body) return;
      createSeries.mutate(body, {
        onSuccess: (series) => {
          const booked = series.occurrences ?? [];
          // One toast for the series, standing for each occurrence's live notification too.
          toast.success(t('series.created', { booked: booked.length, skipped: (series.skipped ?? []).length }), {
            key: `series:${series.id}`,
            also: booked.map((o) => `reservation:${o.id}`),
            replace: true,
          });
          if (booked[0]) void onCreated(booked[0], { coUsers: [] });
        },
        onError: (error) => {
          if (!(error instanceof ApiError)) {
            setFailure({ title: t('errors.network') });
            return;
          }
          setErrors(error.fieldErrors);
          const conflicts = (error.problem.conflicts ?? []) as { start: string; end: string }[];
          if (error.status === 409 && conflicts.length > 0) {
            const list = conflicts.map((c) => formatRange(c.start, c.end, i18n.language)).join('; ');
            setFailure({ title: t('series.conflictTitle'), detail: t('series.conflictDetail', { list }) });
          } else {
            setFailure({ title: error.problem.title ?? t('errors.title'), detail: error.problem.detail });
          }
        },
      });
      return;
    }
    create.mutate(
      {
        key: key.current,
        body: {
          resource_id: resource,
          title: title.trim(),
          description,
          start: localInputToIso(startValue),
          end: localInputToIso(endValue),
          parameters: toParameters(schema, params),
          owner_id: ownerId || null,
          ...(capacity > 1 ? { quantity: Math.min(quantity, capacity) } : {}),
          ...(overrideHours ? { override_opening_hours: true } : {}),
        },
      },
      {
        onSuccess: (reservation) => {
          key.current = idempotencyKey();
          const done = onCreated(reservation, { coUsers: renderCoUsers ? coUsers : [] });
          if (done) {
            setFinishing(true);
            void done.finally(() => setFinishing(false));
          }
        },
        onError: (error) => {
          key.current = idempotencyKey();
          if (!(error instanceof ApiError)) {
            setFailure({ title: t('errors.network') });
            return;
          }
          setErrors(error.fieldErrors);
          const blackout = error.problem.blackout as { reason: string; start: string; end: string } | undefined;
          if (error.status === 409 && error.problem.type?.endsWith('quota-exceeded')) {
            setFailure({ title: t('fairUse.quotaTitle'), detail: error.problem.detail });
          } else if (error.status === 409 && blackout) {
            const range = formatRange(blackout.start, blackout.end, i18n.language);
            setFailure({ title: t('fairUse.blackoutRefused'), detail: t('fairUse.blackoutRefusedDetail', { reason: blackout.reason, range }) });
          } else if (error.status === 409 && error.problem.type?.endsWith(':capacity-exceeded')) {
            const short = error.problem as { free?: number; free_start?: string; free_end?: string };
            const asked = { resource, start: localInputToIso(startValue), end: localInputToIso(endValue), quantity: Math.min(quantity, capacity), capacity };
            setConflict({ id: '', start: '', end: '', short: true, asked });
            setFailure({
              title: t('booking.unitsTitle'),
              detail: t('booking.unitsDetail', {
                free: short.free ?? 0,
                quantity: asked.quantity,
                range: short.free_start && short.free_end ? formatRange(short.free_start, short.free_end, i18n.language) : '',
              }),
            });
          } else if (error.status === 409) {
            const other = error.problem.conflicting_reservation as ConflictInfo | undefined;
            const asked = { resource, start: localInputToIso(startValue), end: localInputToIso(endValue), quantity: Math.min(quantity, capacity), capacity };
            setConflict({ ...(other ?? { id: '', start: '', end: '' }), asked });
            // The server's detail names ids and UTC times: the panel says it in the user's terms.
            setFailure({ title: t('booking.conflictTitle'), detail: t('booking.conflictDetail') });
          } else if (error.problem.type?.endsWith(':outside-opening-hours')) {
            const rule = (error.problem.opening_hours ?? {}) as { level?: string; time_zone?: string; days?: string[] };
            setFailure({
              title: t('booking.outsideHoursTitle'),
              detail: t('booking.outsideHoursDetail', {
                level: t(`booking.hoursLevel.${rule.level === 'resource' || rule.level === 'resource_type' ? rule.level : 'site'}`),
                tz: rule.time_zone ?? '',
                days: (rule.days ?? []).join('; '),
              }),
            });
          } else if (error.problem.type?.endsWith(':booking-rule')) {
            setFailure({ title: t('booking.policyTitle'), detail: error.problem.detail });
          } else {
            setFailure({ title: error.problem.title ?? t('errors.title'), detail: error.problem.detail });
          }
        },
      },
    );
  };

  const paramErrors = Object.fromEntries(
    Object.entries(errors)
      .filter(([k]) => k.startsWith('parameters.'))
      .map(([k, v]) => [k.slice('parameters.'.length), v]),
  );

  return (
    <form ref={formRef} className="card" onSubmit={onSubmit} noValidate aria-label={t('booking.form')}>
      {failure ? (
        <div className="callout callout-danger" role="alert" data-testid="booking-error">
          <strong>{failure.title}</strong>
          {failure.detail ? <p>{failure.detail}</p> : null}
          {conflict ? (
            <ConflictPanel
              conflict={conflict}
              resourceId={conflict.asked.resource}
              start={conflict.asked.start}
              end={conflict.asked.end}
              margins={{ leadMs: durationMs(type?.lead_time), graceMs: durationMs(type?.teardown_grace) }}
              resourceName={(id) => resources.data?.items.find((r) => r.id === id)?.name}
              memberName={(id) => {
                const m = members.data?.items.find((x) => x.user.id === id)?.user;
                return m ? (m.display_name ?? m.username) : undefined;
              }}
              onUseSlot={(s, e) => {
                setStartValue(toLocalInput(s));
                setEndValue(toLocalInput(e));
                setConflict(null);
                setFailure(null);
              }}
            />
          ) : null}
          {(conflict?.id || conflict?.short) && onTaken ? onTaken({ ...conflict.asked, title }) : null}
        </div>
      ) : null}
      <div className="form-grid">
        <div>
          <Field label={t('booking.titleField')} error={errors.title} required>
            <input
              value={title}
              onChange={(e) => {
                setTitle(e.target.value);
                clearError('title');
              }}
              maxLength={200}
            />
          </Field>
        </div>
        <div>
          <Field label={t('booking.resource')} error={errors.resource_id} required>
            <select
              value={resource}
              onChange={(e) => {
                chooseResource(e.target.value);
                clearError('resource_id');
              }}
              disabled={resources.isPending}
            >
              <option value="">{t('booking.chooseResource')}</option>
              {ordered.map(({ resource: r, depth }) => (
                <option key={r.id} value={r.id}>
                  {`${'\u00a0\u00a0'.repeat(depth)}${depth ? '└ ' : ''}${r.name}`}
                </option>
              ))}
            </select>
          </Field>
        </div>
      </div>
      {hasChildren && selected ? <p className="callout callout-info">{t('booking.subtreeHint', { name: selected.name })}</p> : null}
      {type?.requires_approval ? <p className="callout callout-warning">{t('booking.needsApproval')}</p> : null}
      <fieldset>
        <legend>{t('reservations.period')}</legend>
        <p className="field-hint">{t('booking.periodHint', { tz: currentTimeZone() })}</p>
        <div className="form-grid">
          <div>
            <Field label={t('booking.start')} error={errors.start} required>
              <DateTimeInput
                value={startValue}
                onChange={(v) => {
                  setStartValue(v);
                  clearError('start', 'end');
                }}
              />
            </Field>
          </div>
          <div>
            <Field label={t('booking.end')} error={errors.end} required>
              <DateTimeInput
                value={endValue}
                onChange={(v) => {
                  setEndValue(v);
                  clearError('end');
                }}
              />
            </Field>
          </div>
        </div>
      </fieldset>
      {capacity > 1 && resource
        ? (renderQuantity ?? ((p: QuantityProps) => (
            <Field label={t('booking.quantity')} error={p.error} required>
              <input type="number" min={1} max={p.capacity} value={p.value} onChange={(e) => p.onChange(Number(e.target.value) || 1)} />
            </Field>
          )))({
            resourceId: resource,
            capacity,
            start: localInputToIso(startValue),
            end: localInputToIso(endValue),
            value: Math.min(quantity, capacity),
            onChange: (v) => {
              setQuantity(v);
              clearError('quantity');
            },
            error: errors.quantity,
          })
        : null}
      <RepeatControl value={repeat} onChange={setRepeat} seriesBody={seriesBody} />
      {renderCoUsers && !repeat ? renderCoUsers({ value: coUsers, onChange: setCoUsers }) : null}
      {type && Object.keys(schema.properties ?? {}).length > 0 ? (
        <fieldset>
          <legend>{t('booking.parameters', { type: type.name })}</legend>
          {errors.parameters ? (
            <p className="field-error" role="alert">
              {errors.parameters}
            </p>
          ) : null}
          <ParameterFields
            schema={schema}
            values={params}
            errors={paramErrors}
            message={(code) => (code.includes(' ') ? code : paramMessage(code))}
            onChange={(name, value) => {
              setParams((prev) => ({ ...prev, [name]: value }));
              clearError(`parameters.${name}`, 'parameters');
            }}
          />
        </fieldset>
      ) : null}
      <Field label={t('booking.descriptionField')} error={errors.description}>
        <textarea
          value={description}
          onChange={(e) => {
            setDescription(e.target.value);
            clearError('description');
          }}
          maxLength={4000}
        />
      </Field>
      {canBookForOthers ? (
        <Field label={t('booking.onBehalf')} hint={t('booking.onBehalfHint')} error={errors.owner_id}>
          <select
            value={ownerId}
            onChange={(e) => {
              setOwnerId(e.target.value);
              clearError('owner_id');
            }}
          >
            <option value="">{user.username}</option>
            {(members.data?.items ?? [])
              .filter((m) => m.user.id !== user.id)
              .map((m) => (
                <option key={m.user.id} value={m.user.id}>
                  {m.user.display_name ? `${m.user.display_name} (${m.user.username})` : m.user.username}
                </option>
              ))}
          </select>
        </Field>
      ) : null}
      {canBookForOthers && (overrideHours || failure?.title === t('booking.outsideHoursTitle')) ? (
        <label className="row">
          <input type="checkbox" checked={overrideHours} onChange={(e) => setOverrideHours(e.target.checked)} />
          {t('booking.overrideHours')}
        </label>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending || createSeries.isPending || finishing}>
          {create.isPending ? t('booking.submitting') : t('booking.submit')}
        </Button>
      </div>
    </form>
  );
}
