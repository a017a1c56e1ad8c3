import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { EventType, WebhookScope, WebhookScopeKind, WebhookWithSecret } from '@/lib/api/types';
import { useCreateWebhook } from '../api/create-webhook';
import { useScopeResources, useScopeResourceTypes } from '../api/get-scope-options';

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

export function CreateWebhookDialog({ site, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const create = useCreateWebhook(site);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('https://');
  const [events, setEvents] = useState<EventType[]>([]);
  const [scopeKind, setScopeKind] = useState<WebhookScopeKind>('site');
  const [scopeIds, setScopeIds] = useState<string[]>([]);
  const [subtree, setSubtree] = useState(false);
  const types = useScopeResourceTypes(site, scopeKind === 'resource_type');
  const resources = useScopeResources(site, scopeKind === 'resource');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('validation.required');
    if (!URL.canParse(url) || !/^https?:/.test(url)) found.url = t('validation.pattern');
    if (scopeKind !== 'site' && scopeIds.length === 0) found.scope = t('webhooks.scopePickOne');
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    create.mutate(
      {
        name: name.trim(),
        url,
        event_types: events,
        enabled: true,
        description: '',
        max_concurrency: 4,
        scope: toScope(scopeKind, scopeIds, subtree),
      },
      {
        onSuccess: onCreated,
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
    <Dialog open title={t('webhooks.new')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('webhooks.new')}>
        {failure ? (
          <p className="callout callout-danger" role="alert">
            {failure}
          </p>
        ) : null}
        <Field label={t('common.name')} error={errors.name} required>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        </Field>
        <Field label={t('webhooks.url')} error={errors.url} required>
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
        </Field>
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
              <input
                type="radio"
                name="scope-kind"
                checked={scopeKind === kind}
                onChange={() => {
                  setScopeKind(kind);
                  setScopeIds([]);
                }}
              />
              {label}
            </label>
          ))}
          {scopeKind !== 'site' ? (
            <div role="group" aria-label={scopeKind === 'resource' ? t('webhooks.scopeResources') : t('webhooks.scopeTypes')} className="form-grid">
              {(scopeKind === 'resource' ? resources.data?.items : types.data?.items)?.map((option) => (
                <label key={option.id} className="check">
                  <input
                    type="checkbox"
                    checked={scopeIds.includes(option.id)}
                    onChange={(e) => setScopeIds((prev) => (e.target.checked ? [...prev, option.id] : prev.filter((x) => x !== option.id)))}
                  />
                  {option.name}
                </label>
              ))}
            </div>
          ) : null}
          {scopeKind === 'resource' ? (
            <label className="check">
              <input type="checkbox" checked={subtree} onChange={(e) => setSubtree(e.target.checked)} />
              {t('webhooks.includeSubtree')}
            </label>
          ) : null}
          {errors.scope ? (
            <p className="field-error" role="alert">
              {errors.scope}
            </p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          <p className="field-hint">{t('webhooks.allEvents')}</p>
          <div className="form-grid">
            {EVENT_TYPES.map((type) => (
              <label key={type} className="check">
                <input
                  type="checkbox"
                  checked={events.includes(type)}
                  onChange={(e) => setEvents((prev) => (e.target.checked ? [...prev, type] : prev.filter((x) => x !== type)))}
                />
                <code>{type}</code>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            {t('common.create')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
