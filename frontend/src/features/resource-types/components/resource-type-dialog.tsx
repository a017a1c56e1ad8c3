import { zodResolver } from '@hookform/resolvers/zod';
import type { TFunction } from 'i18next';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { FormDialog } from '@/components/form/form-dialog';
import { FormDurationInput, FormField } from '@/components/form/form-field';
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

function resourceTypeSchema(t: TFunction) {
  return z.object({
    name: z.string().trim().min(1, t('validation.required')),
    color: z.string(),
    description: z.string(),
    parameters: z.string().superRefine((text, ctx) => {
      const problem = schemaProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: t('admin.schemaInvalid', { error: problem }) });
    }),
    lead_time: z.string(),
    teardown_grace: z.string(),
    max_duration: z.string(),
    booking_horizon: z.string(),
    requires_approval: z.boolean(),
  });
}

type Values = z.infer<ReturnType<typeof resourceTypeSchema>>;
type DurationName = 'lead_time' | 'teardown_grace' | 'max_duration' | 'booking_horizon';

export function ResourceTypeDialog({ site, type, onClose }: Props) {
  const { t } = useTranslation();
  const save = useSaveResourceType(site);
  const schema = useMemo(() => resourceTypeSchema(t), [t]);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: type?.name ?? '',
      color: type?.color ?? '#4f46e5',
      description: type?.description ?? '',
      parameters: JSON.stringify(type?.parameters ?? EXAMPLE_SCHEMA, null, 2),
      lead_time: type?.lead_time ?? 'PT0S',
      teardown_grace: type?.teardown_grace ?? 'PT0S',
      max_duration: type?.max_duration ?? '',
      booking_horizon: type?.booking_horizon ?? '',
      requires_approval: type?.requires_approval ?? false,
    },
  });
  const { register } = form;

  const submit = async (values: Values) => {
    await save.mutateAsync({
      id: type?.id,
      body: {
        name: values.name,
        color: values.color,
        description: values.description,
        parameters: JSON.parse(values.parameters) as JsonObject,
        lead_time: values.lead_time || 'PT0S',
        teardown_grace: values.teardown_grace || 'PT0S',
        max_duration: values.max_duration || null,
        booking_horizon: values.booking_horizon || null,
        minimum_notice: type?.minimum_notice ?? 'PT0S',
        requires_approval: values.requires_approval,
        on_provisioning_failure: type?.on_provisioning_failure ?? 'release',
      },
    });
    onClose();
  };

  const duration = (name: DurationName, label: string, hint?: string) => (
    <FormField name={name} label={label} hint={hint}>
      <FormDurationInput name={name} />
    </FormField>
  );

  return (
    <FormDialog
      title={type ? type.name : t('admin.newType')}
      label={t('admin.newType')}
      form={form}
      onSubmit={submit}
      onClose={onClose}
      submitLabel={t('common.save')}
    >
      <div className="form-grid">
        <FormField name="name" label={t('common.name')} required>
          <input {...register('name')} maxLength={100} />
        </FormField>
        <FormField name="color" label={t('admin.color')}>
          <input type="color" {...register('color')} />
        </FormField>
      </div>
      <FormField name="description" label={t('common.description')}>
        <input {...register('description')} />
      </FormField>
      <FormField name="parameters" label={t('admin.schema')}>
        <textarea {...register('parameters')} rows={10} spellCheck={false} style={{ fontFamily: 'monospace' }} />
      </FormField>
      <div className="form-grid">
        {duration('lead_time', t('admin.leadTime'))}
        {duration('teardown_grace', t('admin.teardownGrace'))}
        {duration('max_duration', t('admin.maxDuration'), t('admin.emptyNoLimit'))}
        {duration('booking_horizon', t('admin.bookingHorizon'), t('admin.emptyNoLimit'))}
      </div>
      <label className="check">
        <input type="checkbox" {...register('requires_approval')} />
        {t('admin.requiresApproval')}
      </label>
    </FormDialog>
  );
}
