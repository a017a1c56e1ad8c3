import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { DurationInput } from '@/components/ui/duration-input';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { JsonObject, ResourceTypeRead } from '@/lib/api/types';
import { useSaveResourceType } from '../api/save-resource-type';

const EXAMPLE_SCHEMA = {
  type: 'object',
  properties: { vlan_id: { type: 'integer', minimum: 2, maximum: 4094, title: 'VLAN id' } },
  required: ['vlan_id'],
  additionalProperties: false,
};

/** Checks that the text is a JSON object schema; returns an error message or null. */
export function schemaProblem(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the schema must be a JSON object';
  const schema = parsed as { type?: unknown; properties?: unknown };
  if (schema.type !== undefined && schema.type !== 'object') return 'the parameters schema must have "type": "object"';
  if (schema.properties !== undefined && (typeof schema.properties !== 'object' || Array.isArray(schema.properties))) {
    return '"properties" must be an object';
  }
  return null;
}

type Props = { site: string; type?: ResourceTypeRead; onClose: () => void };

export function ResourceTypeDialog({ site, type, onClose }: Props) {
  const { t } = useTranslation();
  const save = useSaveResourceType(site);
  const [name, setName] = useState(type?.name ?? '');
  const [color, setColor] = useState(type?.color ?? '#4f46e5');
  const [description, setDescription] = useState(type?.description ?? '');
  const [schema, setSchema] = useState(JSON.stringify(type?.parameters ?? EXAMPLE_SCHEMA, null, 2));
  const [leadTime, setLeadTime] = useState(type?.lead_time ?? 'PT0S');
  const [teardown, setTeardown] = useState(type?.teardown_grace ?? 'PT0S');
  const [maxDuration, setMaxDuration] = useState(type?.max_duration ?? '');
  const [horizon, setHorizon] = useState(type?.booking_horizon ?? '');
  const [approval, setApproval] = useState(type?.requires_approval ?? false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('validation.required');
    const problem = schemaProblem(schema);
    if (problem) found.parameters = t('admin.schemaInvalid', { error: problem });
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    save.mutate(
      {
        id: type?.id,
        body: {
          name: name.trim(),
          color,
          description,
          parameters: JSON.parse(schema) as JsonObject,
          lead_time: leadTime || 'PT0S',
          teardown_grace: teardown || 'PT0S',
          max_duration: maxDuration || null,
          booking_horizon: horizon || null,
          minimum_notice: type?.minimum_notice ?? 'PT0S',
          requires_approval: approval,
          on_provisioning_failure: type?.on_provisioning_failure ?? 'release',
        },
      },
      {
        onSuccess: onClose,
        onError: (error) => {
          if (error instanceof ApiError) {
            setErrors(error.fieldErrors);
            setFailure(error.message);
          } else setFailure(t('errors.network'));
        },
      },
    );
  };

  return (
    <Dialog open title={type ? type.name : t('admin.newType')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('admin.newType')}>
        {failure ? (
          <p className="callout callout-danger" role="alert">
            {failure}
          </p>
        ) : null}
        <div className="form-grid">
          <Field label={t('common.name')} error={errors.name} required>
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
          </Field>
          <Field label={t('admin.color')} error={errors.color}>
            <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
          </Field>
        </div>
        <Field label={t('common.description')} error={errors.description}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label={t('admin.schema')} error={errors.parameters}>
          <textarea value={schema} onChange={(e) => setSchema(e.target.value)} rows={10} spellCheck={false} style={{ fontFamily: 'monospace' }} />
        </Field>
        <div className="form-grid">
          <Field label={t('admin.leadTime')} error={errors.lead_time}>
            <DurationInput value={leadTime} onChange={setLeadTime} />
          </Field>
          <Field label={t('admin.teardownGrace')} error={errors.teardown_grace}>
            <DurationInput value={teardown} onChange={setTeardown} />
          </Field>
          <Field label={t('admin.maxDuration')} hint={t('admin.emptyNoLimit')} error={errors.max_duration}>
            <DurationInput value={maxDuration} onChange={setMaxDuration} />
          </Field>
          <Field label={t('admin.bookingHorizon')} hint={t('admin.emptyNoLimit')} error={errors.booking_horizon}>
            <DurationInput value={horizon} onChange={setHorizon} />
          </Field>
        </div>
        <label className="check">
          <input type="checkbox" checked={approval} onChange={(e) => setApproval(e.target.checked)} />
          {t('admin.requiresApproval')}
        </label>
        <div className="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
