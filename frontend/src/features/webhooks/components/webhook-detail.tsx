import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, type Tone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Pager } from '@/components/ui/pager';
import { DateTimeInput } from '@/components/ui/date-time-input';
import { Field } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import type { DeliveryRead, WebhookRead } from '@/lib/api/types';
import { eventLabel } from '@/lib/humanise';
import { formatDateTime } from '@/lib/i18n';
import { toast } from '@/lib/toast';
import { useAttempts } from '../api/get-attempts';
import { useDeliveries } from '../api/get-deliveries';
import { useWebhook } from '../api/get-webhook';
import { useRedeliver } from '../api/redeliver';
import { useRedeliverFailed } from '../api/redeliver-failed';
import { useScopeResources } from '../api/get-scope-options';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useRotateSecret } from '../api/rotate-secret';
import { useTestWebhook } from '../api/test-webhook';
import { useUpdateWebhook } from '../api/update-webhook';
import { SecretDialog } from './secret-dialog';

const DELIVERY_TONES: Record<string, Tone> = { pending: 'info', succeeded: 'success', failed: 'danger', cancelled: 'neutral' };

function Attempts({ site, webhookId, deliveryId }: { site: string; webhookId: string; deliveryId: string }) {
  const { t, i18n } = useTranslation();
  const attempts = useAttempts(site, webhookId, deliveryId);
  return (
    <QueryState query={attempts}>
      {(page) => (
        <ol className="stack" data-testid="attempts">
          {page.items.map((a, i) => (
            <li key={a.id}>
              <strong>{t('webhooks.attempt', { n: i + 1 })}</strong> — {formatDateTime(a.started_at, i18n.language)} —{' '}
              {t('webhooks.statusCode')}: {a.status_code ?? '—'} — {t('webhooks.duration')}: {a.duration_ms} ms
              {a.error ? (
                <div>
                  {t('webhooks.error')}: <code>{a.error}</code>
                </div>
              ) : null}
              {a.response_excerpt ? <pre>{a.response_excerpt}</pre> : null}
            </li>
          ))}
        </ol>
      )}
    </QueryState>
  );
}

/** A datetime-local value for `ms` in the browser's own time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function RedeliverFailedForm({ site, webhookId }: { site: string; webhookId: string }) {
  const { t } = useTranslation();
  const [since, setSince] = useState(() => localInput(Date.now() - 24 * 3_600_000));
  const [error, setError] = useState<string | undefined>();
  const bulk = useRedeliverFailed(site, webhookId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const when = new Date(since);
    if (!since || Number.isNaN(when.getTime())) {
      setError(t('validation.required'));
      return;
    }
    setError(undefined);
    bulk.mutate(when.toISOString(), {
      onSuccess: (r) => toast.success(t('webhooks.redeliveredCount', { count: r.redelivered })),
    });
  };
  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="wh-redeliver">
      <h3 id="wh-redeliver" style={{ marginTop: 0 }}>
        {t('webhooks.redeliverFailed')}
      </h3>
      <p className="muted">{t('webhooks.redeliverExplained')}</p>
      <Field label={t('webhooks.redeliverSince')} error={error} required>
        <DateTimeInput value={since} onChange={setSince} />
      </Field>
      <Button type="submit" busy={bulk.isPending}>
        {t('webhooks.redeliverFailed')}
      </Button>
    </form>
  );
}

/** What a delivery was about: the booking's title and resource, from the event it carries. */
export function deliverySubject(d: DeliveryRead): string | undefined {
  const data = (d.payload as { data?: { reservation?: { title?: unknown }; resource?: { name?: unknown } } }).data;
  const title = typeof data?.reservation?.title === 'string' ? `“${data.reservation.title}”` : undefined;
  const resource = typeof data?.resource?.name === 'string' ? data.resource.name : undefined;
  return [title, resource].filter(Boolean).join(' · ') || undefined;
}

/** A scope's resource types or resources by name, not by count. */
function ScopeNames({ site, kind, ids }: { site: string; kind: string; ids: string[] }) {
  const { t } = useTranslation();
  const types = useSiteResourceTypes(site, { enabled: kind === 'resource_type' });
  const resources = useScopeResources(site, kind === 'resource');
  const items: { id: string; name: string }[] = (kind === 'resource' ? resources.data?.items : types.data?.items) ?? [];
  const names = ids.map((id) => items.find((x) => x.id === id)?.name ?? id);
  return (
    <>
      {kind === 'resource' ? t('webhooks.scopeResource') : t('webhooks.scopeResourceType')}: {names.join(', ')}
    </>
  );
}

function Deliveries({ site, webhook, expectNew }: { site: string; webhook: WebhookRead; expectNew: boolean }) {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const deliveries = useDeliveries(site, webhook.id, page, expectNew);
  const redeliver = useRedeliver(site, webhook.id);
  const row = (d: DeliveryRead) => (
    <Fragment key={d.id}>
      <tr data-testid="delivery-row">
        <td>
          <strong>{eventLabel(d.event_type)}</strong> <code className="muted small">{d.event_type}</code>
          {deliverySubject(d) ? <div className="muted">{deliverySubject(d)}</div> : null}
        </td>
        <td>
          <Badge tone={DELIVERY_TONES[d.status] ?? 'neutral'}>{t(`deliveryStatus.${d.status}`)}</Badge>
        </td>
        <td>{d.last_status_code ?? '—'}</td>
        <td>{d.attempts}</td>
        <td>{formatDateTime(d.created_at, i18n.language)}</td>
        <td>{d.next_attempt_at ? formatDateTime(d.next_attempt_at, i18n.language) : '—'}</td>
        <td className="row">
          <Button size="sm" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
            {t('webhooks.attempts')}
          </Button>
          {d.status !== 'pending' ? (
            <Button
              size="sm"
              onClick={() => redeliver.mutate(d.id, { onSuccess: () => toast.success(t('webhooks.redelivered')) })}
            >
              {t('webhooks.redeliver')}
            </Button>
          ) : null}
        </td>
      </tr>
      {open === d.id ? (
        <tr>
          <td colSpan={7}>
            <Attempts site={site} webhookId={webhook.id} deliveryId={d.id} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
  return (
    <QueryState query={deliveries}>
      {(data) =>
        data.items.length === 0 ? (
          <p className="empty">{t('webhooks.noDeliveries')}</p>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('webhooks.eventType')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">{t('webhooks.statusCode')}</th>
                    <th scope="col">{t('webhooks.attempts')}</th>
                    <th scope="col">{t('audit.when')}</th>
                    <th scope="col">{t('webhooks.nextAttempt')}</th>
                    <th scope="col">{t('common.actions')}</th>
                  </tr>
                </thead>
                <tbody>{data.items.map(row)}</tbody>
              </table>
            </div>
            <Pager page={page} pages={data.meta.pages} onChange={setPage} label={t('webhooks.deliveries')} />
          </>
        )
      }
    </QueryState>
  );
}

export function WebhookDetail({ site, id }: { site: string; id: string }) {
  const { t, i18n } = useTranslation();
  const webhook = useWebhook(site, id);
  const test = useTestWebhook(site);
  const rotate = useRotateSecret(site);
  const update = useUpdateWebhook(site);
  const [secret, setSecret] = useState<string | null>(null);
  const [expectNew, setExpectNew] = useState(false);
  useEffect(() => {
    if (!expectNew) return;
    const timer = setTimeout(() => setExpectNew(false), 60_000);
    return () => clearTimeout(timer);
  }, [expectNew]);
  return (
    <QueryState query={webhook}>
      {(w) => (
        <>
          <PageHeader
            title={w.name}
            actions={
              <>
                <Button
                  variant="primary"
                  busy={test.isPending}
                  onClick={() =>
                    test.mutate(w.id, {
                      onSuccess: () => {
                        setExpectNew(true);
                        toast.success(t('webhooks.testSent'));
                      },
                    })
                  }
                >
                  {t('webhooks.test')}
                </Button>
                <Button busy={rotate.isPending} onClick={() => rotate.mutate(w.id, { onSuccess: (r) => setSecret(r.secret) })}>
                  {t('webhooks.rotate')}
                </Button>
                <Button
                  variant={w.enabled ? 'danger' : 'secondary'}
                  busy={update.isPending}
                  onClick={() => update.mutate({ webhook: w, body: { enabled: !w.enabled } })}
                >
                  {w.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                </Button>
              </>
            }
          >
            <div className="row">
              {w.enabled ? <Badge tone="success">{t('webhooks.enabled')}</Badge> : <Badge tone="danger">{t('webhooks.disabled')}</Badge>}
              {w.disabled_reason ? <span className="muted">{t('webhooks.disabledReason', { reason: w.disabled_reason })}</span> : null}
              {w.failing_since ? (
                <Badge tone="warning">{t('webhooks.failingSince', { when: formatDateTime(w.failing_since, i18n.language) })}</Badge>
              ) : null}
            </div>
          </PageHeader>
          <section className="card" aria-labelledby="wh-details">
            <h2 id="wh-details">{t('common.details')}</h2>
            <dl className="props">
              <dt>{t('webhooks.url')}</dt>
              <dd>
                <code>{w.url}</code>
              </dd>
              <dt>{t('webhooks.events')}</dt>
              <dd>{w.event_types.length ? w.event_types.map(eventLabel).join(', ') : t('common.all')}</dd>
              <dt>{t('webhooks.scope')}</dt>
              <dd data-testid="webhook-scope">
                {w.scope.kind === 'site' ? t('webhooks.scopeSite') : <ScopeNames site={site} kind={w.scope.kind} ids={w.scope.ids ?? []} />}
                {w.scope.kind === 'resource' && w.scope.include_subtree ? ` — ${t('webhooks.includeSubtree')}` : null}
              </dd>
              <dt>{t('webhooks.secrets')}</dt>
              <dd>{w.secrets.length}</dd>
            </dl>
          </section>
          <section aria-labelledby="wh-deliveries">
            <h2 id="wh-deliveries">{t('webhooks.deliveries')}</h2>
            <Deliveries site={site} webhook={w} expectNew={expectNew} />
            <RedeliverFailedForm site={site} webhookId={w.id} />
          </section>
          {secret ? <SecretDialog secret={secret} onClose={() => setSecret(null)} /> : null}
        </>
      )}
    </QueryState>
  );
}
