import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Pager } from '@/components/ui/pager';
import { DateTimeInput } from '@/components/ui/date-time-input';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { localInputToIso } from '@/lib/datetime';
import { auditActionLabel, auditEntityLabel, auditSubject } from '@/lib/humanise';
import { formatDateTime } from '@/lib/i18n';
import { useSearchParam } from '@/lib/use-search-param';
import { useAudit } from '../api/get-audit';

/** The kinds of entries the server records, for the filter. */
const AUDIT_ENTITIES = ['reservation', 'resource', 'resource_type', 'site', 'site_member', 'webhook_subscription', 'webhook_delivery', 'ssh_key', 'user'];

export function AuditLog({ site }: { site: string }) {
  const { t, i18n } = useTranslation();
  const [entity, setEntity] = useSearchParam('entity');
  const [actor, setActor] = useSearchParam('actor');
  const [since, setSince] = useSearchParam('since');
  const [until, setUntil] = useSearchParam('until');
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const audit = useAudit({ site, entity, actor, since: localInputToIso(since), until: localInputToIso(until), page });
  return (
    <>
      <div className="toolbar" role="search">
        <Field label={t('audit.entity')}>
          <select value={entity} onChange={(e) => setEntity(e.target.value)}>
            <option value="">{t('common.all')}</option>
            {AUDIT_ENTITIES.map((e) => (
              <option key={e} value={e}>
                {auditEntityLabel(e)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('audit.actor')}>
          <input value={actor} onChange={(e) => setActor(e.target.value)} />
        </Field>
        <Field label={t('audit.from')}>
          <DateTimeInput value={since} onChange={setSince} />
        </Field>
        <Field label={t('audit.to')}>
          <DateTimeInput value={until} onChange={setUntil} />
        </Field>
      </div>
      <QueryState query={audit}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">{t('common.empty')}</p>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('audit.when')}</th>
                      <th scope="col">{t('audit.actor')}</th>
                      <th scope="col">{t('audit.action')}</th>
                      <th scope="col">{t('audit.entity')}</th>
                      <th scope="col">{t('audit.changes')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((entry) => (
                      <Fragment key={entry.id}>
                        <tr>
                          <td>{formatDateTime(entry.created_at, i18n.language)}</td>
                          <td>{entry.actor_username ?? entry.actor_id ?? '—'}</td>
                          <td>{auditActionLabel(entry.action)}</td>
                          <td>
                            <span className="muted">{auditEntityLabel(entry.entity)}</span>{' '}
                            {/* The name from the entry's snapshot; ids only when there is none, whole. */}
                            {auditSubject(entry.before, entry.after) ?? <code title={entry.entity_id}>{entry.entity_id}</code>}
                          </td>
                          <td>
                            <Button size="sm" aria-expanded={open === entry.id} onClick={() => setOpen(open === entry.id ? null : entry.id)}>
                              {t('common.details')}
                            </Button>
                          </td>
                        </tr>
                        {open === entry.id ? (
                          <tr>
                            <td colSpan={5}>
                              <div className="grid">
                                <pre aria-label="before">{JSON.stringify(entry.before, null, 2)}</pre>
                                <pre aria-label="after">{JSON.stringify(entry.after, null, 2)}</pre>
                              </div>
                            </td>
                          </tr>
                        ) : null}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} pages={data.meta.pages} onChange={setPage} label={t('audit.title')} />
            </>
          )
        }
      </QueryState>
    </>
  );
}
