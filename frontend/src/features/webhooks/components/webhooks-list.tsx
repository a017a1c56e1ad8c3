import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { QueryState } from '@/components/ui/query-state';
import { useWebhooks } from '../api/get-webhooks';
import { CreateWebhookDialog } from './create-webhook-dialog';
import { SecretDialog } from './secret-dialog';

export function WebhooksList({ site, onOpen }: { site: string; onOpen?: (id: string) => void }) {
  const { t } = useTranslation();
  const webhooks = useWebhooks(site);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ value: string; id: string } | null>(null);
  return (
    <>
      <div className="toolbar">
        <Button variant="primary" onClick={() => setCreating(true)}>
          {t('webhooks.new')}
        </Button>
      </div>
      <QueryState query={webhooks}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="empty">{t('common.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('common.name')}</th>
                    <th scope="col">{t('webhooks.url')}</th>
                    <th scope="col">{t('webhooks.events')}</th>
                    <th scope="col">{t('common.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((w) => (
                    <tr key={w.id}>
                      <td>
                        <Link to={`/admin/webhooks/${w.id}?site=${site}`}>{w.name}</Link>
                      </td>
                      <td>
                        <code>{w.url}</code>
                      </td>
                      <td>{w.event_types.length ? w.event_types.length : t('common.all')}</td>
                      <td>
                        {w.enabled ? (
                          <Badge tone={w.failing_since ? 'warning' : 'success'}>{t('webhooks.enabled')}</Badge>
                        ) : (
                          <Badge tone="danger">{t('webhooks.disabled')}</Badge>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
      {creating ? (
        <CreateWebhookDialog
          site={site}
          onClose={() => setCreating(false)}
          onCreated={(w) => {
            setCreating(false);
            setSecret({ value: w.secret, id: w.id });
          }}
        />
      ) : null}
      {secret ? (
        <SecretDialog
          secret={secret.value}
          onClose={() => {
            const id = secret.id;
            setSecret(null);
            onOpen?.(id);
          }}
        />
      ) : null}
    </>
  );
}
