import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { StatusBadge } from '@/components/ui/status-badge';
import { useUser } from '@/lib/auth/auth-context';
import { formatRange } from '@/lib/i18n';
import { useResource } from '../api/get-resource';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useUpcomingBookings } from '../api/get-upcoming-bookings';
import { useMySiteRole } from '../api/update-resource';
import { EditResourceDialog } from './edit-resource-dialog';

function Upcoming({ resourceId }: { resourceId: string }) {
  const { t, i18n } = useTranslation();
  const [from] = useState(() => new Date().toISOString());
  const bookings = useUpcomingBookings(resourceId, from);
  return (
    <QueryState query={bookings}>
      {(page) =>
        page.items.length === 0 ? (
          <p className="muted">{t('resources.noUpcoming')}</p>
        ) : (
          <ul className="list">
            {page.items.map((r) => (
              <li key={r.id} className="row">
                <span>{formatRange(r.start, r.end, i18n.language)}</span>
                <strong>{r.title}</strong>
                <StatusBadge status={r.status} />
              </li>
            ))}
          </ul>
        )
      }
    </QueryState>
  );
}

export function ResourceDetail({ id }: { id: string }) {
  const { t } = useTranslation();
  const resource = useResource(id);
  const types = useSiteResourceTypes(resource.data?.site_id ?? '');
  const parent = useResource(resource.data?.parent_id ?? '');
  const user = useUser();
  const role = useMySiteRole(user.isPlatformAdmin ? '' : (resource.data?.site_id ?? ''));
  const canEdit = user.isPlatformAdmin || role.data === 'site-admin';
  const [editing, setEditing] = useState(false);
  return (
    <QueryState query={resource}>
      {(r) => {
        const type = types.data?.items.find((ty) => ty.id === r.type_id);
        const attributes = Object.entries(r.attributes ?? {});
        return (
          <>
            <PageHeader
              title={r.name}
              actions={
                <>
                  {canEdit ? <Button onClick={() => setEditing(true)}>{t('common.edit')}</Button> : null}
                  {r.status === 'active' ? (
                    <Link className="btn btn-primary" to={`/book?site=${r.site_id}&resource=${r.id}`}>
                      {t('resources.book')}
                    </Link>
                  ) : null}
                </>
              }
            >
              <div className="row">
                <StatusBadge status={r.status} />
                {type ? (
                  <span>
                    <span className="swatch" style={{ background: type.color }} aria-hidden="true" />
                    {type.name}
                  </span>
                ) : null}
              </div>
            </PageHeader>
            <div className="grid">
              <section className="card" aria-labelledby="res-details">
                <h2 id="res-details">{t('common.details')}</h2>
                {r.description ? <p>{r.description}</p> : null}
                <dl className="props">
                  <dt>{t('resources.location')}</dt>
                  <dd>{r.location || '—'}</dd>
                  <dt>{t('resources.parent')}</dt>
                  <dd>{r.parent_id ? <Link to={`/resources/${r.parent_id}`}>{parent.data?.name ?? '…'}</Link> : '—'}</dd>
                </dl>
                <h3>{t('resources.attributes')}</h3>
                {attributes.length === 0 ? (
                  <p className="muted">—</p>
                ) : (
                  <dl className="props">
                    {attributes.map(([key, value]) => (
                      <div key={key} style={{ display: 'contents' }}>
                        <dt>{key}</dt>
                        <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </section>
              <section className="card" aria-labelledby="res-upcoming">
                <h2 id="res-upcoming">{t('resources.upcoming')}</h2>
                <Upcoming resourceId={r.id} />
              </section>
            </div>
            {editing ? <EditResourceDialog resource={r} onClose={() => setEditing(false)} /> : null}
          </>
        );
      }}
    </QueryState>
  );
}
