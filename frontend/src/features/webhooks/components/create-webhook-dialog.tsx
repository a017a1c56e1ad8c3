import { zodResolver } from '@hookform/resolvers/zod';
import type { TFunction } from 'i18next';
import { useMemo } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { FormDialog } from '@/components/form/form-dialog';
import { FormField, FormGroupError } from '@/components/form/form-field';
import type { EventType, WebhookScope, WebhookScopeKind, WebhookWithSecret } from '@/lib/api/types';
import { useCreateWebhook } from '../api/create-webhook';
import { useScopeResources } from '../api/get-scope-options';
import { useSiteResourceTypes } from '@/lib/api/resource-types';

export const EVENT_TYPES: EventType[] = [
  'reservation.created',
  'reservation.updated',
  'reservation.approved',
  'reservation.rejected',
  'reservation.cancelled',
  'reservation.starting',
  'reservation.started',
  'reservation.ending_soon',
  'reservation.ended',
  'reservation.provisioning_changed',
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource.status_changed',
  'webhook.ping',
];

/** The scope as the API's oneOf takes it: ids only for types and resources, a subtree only for resources. */
export function toScope(kind: WebhookScopeKind, ids: string[], includeSubtree: boolean): WebhookScope {
  if (kind === 'resource') return { kind, ids, include_subtree: includeSubtree };
  if (kind === 'resource_type') return { kind, ids, include_subtree: false };
  return { kind: 'site', ids: [], include_subtree: false };
}

type Props = { site: string; onClose: () => void; onCreated: (webhook: WebhookWithSecret) => void };

const SCOPE_KINDS = ['site', 'resource_type', 'resource'] as const satisfies readonly WebhookScopeKind[];

function webhookSchema(t: TFunction) {
  return z.object({
    name: z.string().trim().min(1, t('validation.required')).max(100, t('validation.pattern')),
    url: z.string().refine((url) => URL.canParse(url) && /^https?:/.test(url), t('validation.pattern')),
    event_types: z.array(z.enum(EVENT_TYPES)),
    scope: z
      .object({ kind: z.enum(SCOPE_KINDS), ids: z.array(z.string()), include_subtree: z.boolean() })
      .refine((scope) => scope.kind === 'site' || scope.ids.length > 0, { path: ['ids'], message: t('webhooks.scopePickOne') }),
  });
}

type Values = z.infer<ReturnType<typeof webhookSchema>>;

export function CreateWebhookDialog({ site, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const create = useCreateWebhook(site);
  const schema = useMemo(() => webhookSchema(t), [t]);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: '', url: 'https://', event_types: [], scope: { kind: 'site', ids: [], include_subtree: false } },
  });
  const { register } = form;
  const scopeKind = useWatch({ control: form.control, name: 'scope.kind' });
  const types = useSiteResourceTypes(site, { enabled: scopeKind === 'resource_type' });
  const resources = useScopeResources(site, scopeKind === 'resource');

  const submit = async (values: Values) => {
    const webhook = await create.mutateAsync({
      name: values.name,
      url: values.url,
      event_types: values.event_types,
      enabled: true,
      description: '',
      max_concurrency: 4,
      scope: toScope(values.scope.kind, values.scope.ids, values.scope.include_subtree),
    });
    onCreated(webhook);
  };

  return (
    <FormDialog title={t('webhooks.new')} label={t('webhooks.new')} form={form} onSubmit={submit} onClose={onClose} submitLabel={t('common.create')}>
      <FormField name="name" label={t('common.name')} required>
        <input {...register('name')} maxLength={100} />
      </FormField>
      <FormField name="url" label={t('webhooks.url')} required>
        <input type="url" {...register('url')} />
      </FormField>
      <fieldset>
        <legend>{t('webhooks.scope')}</legend>
        {(
          [
            ['site', t('webhooks.scopeSite')],
            ['resource_type', t('webhooks.scopeResourceType')],
            ['resource', t('webhooks.scopeResource')],
          ] as const
        ).map(([kind, label]) => (
          <label key={kind} className="check">
            <input type="radio" value={kind} {...register('scope.kind', { onChange: () => form.setValue('scope.ids', []) })} />
            {label}
          </label>
        ))}
        {scopeKind !== 'site' ? (
          <div role="group" aria-label={scopeKind === 'resource' ? t('webhooks.scopeResources') : t('webhooks.scopeTypes')} className="form-grid">
            {(scopeKind === 'resource' ? resources.data?.items : types.data?.items)?.map((option) => (
              <label key={option.id} className="check">
                <input type="checkbox" value={option.id} {...register('scope.ids')} />
                {option.name}
              </label>
            ))}
          </div>
        ) : null}
        {scopeKind === 'resource' ? (
          <label className="check">
            <input type="checkbox" {...register('scope.include_subtree')} />
            {t('webhooks.includeSubtree')}
          </label>
        ) : null}
        <FormGroupError name="scope.ids" />
        <FormGroupError name="scope" />
      </fieldset>
      <fieldset>
        <legend>{t('webhooks.events')}</legend>
        <p className="field-hint">{t('webhooks.allEvents')}</p>
        <div className="form-grid">
          {EVENT_TYPES.map((type) => (
            <label key={type} className="check">
              <input type="checkbox" value={type} {...register('event_types')} />
              <code>{type}</code>
            </label>
          ))}
        </div>
        <FormGroupError name="event_types" />
      </fieldset>
    </FormDialog>
  );
}
