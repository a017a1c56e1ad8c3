import { useDeferredValue, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { StatusBadge } from '@/components/ui/status-badge';
import type { ResourceRead, ResourceStatus, ResourceTypeRead } from '@/lib/api/types';
import { useSearchParam } from '@/lib/use-search-param';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useResources } from '../api/get-resources';
import { EditResourceDialog } from './edit-resource-dialog';
import { NewResourceDialog } from './new-resource-dialog';
import { ResourceTree } from './resource-tree';

type View = 'table' | 'list' | 'tree';
const VIEWS: View[] = ['table', 'list', 'tree'];
const STATUSES: ResourceStatus[] = ['active', 'maintenance', 'retired'];

function TypeLabel({ type }: { type: ResourceTypeRead | undefined }) {
  if (!type) return null;
  return (
    <span>
      <span className="swatch" style={{ background: type.color }} aria-hidden="true" />
      {type.name}
    </span>
  );
}

type Manage = { onEdit: (r: ResourceRead) => void; onAddInside: (r: ResourceRead) => void };

function ResourceTable({ items, types, manage }: { items: ResourceRead[]; types: Map<string, ResourceTypeRead>; manage?: Manage }) {
  const { t } = useTranslation();
  const byId = new Map(items.map((r) => [r.id, r]));
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('common.name')}</th>
            <th scope="col">{t('common.type')}</th>
            <th scope="col">{t('resources.location')}</th>
            <th scope="col">{t('resources.parent')}</th>
            <th scope="col">{t('common.status')}</th>
            {manage ? <th scope="col">{t('common.actions')}</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/resources/${r.id}`}>{r.name}</Link>
              </td>
              <td>
                <TypeLabel type={types.get(r.type_id)} />
              </td>
              <td>{r.location}</td>
              <td>{r.parent_id ? (byId.get(r.parent_id)?.name ?? '…') : ''}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              {manage ? (
                <td>
                  <div className="row">
                    <Button size="sm" onClick={() => manage.onEdit(r)} aria-label={t('admin.editNamed', { name: r.name })}>
                      {t('common.edit')}
                    </Button>
                    <Button size="sm" onClick={() => manage.onAddInside(r)} aria-label={t('admin.addInsideNamed', { name: r.name })}>
                      {t('admin.addInside')}
                    </Button>
                    <Link className="btn btn-sm btn-ghost" to={`/book?site=${r.site_id}&resource=${r.id}`} aria-label={t('admin.bookNamed', { name: r.name })}>
                      {t('nav.book')}
                    </Link>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResourceList({ items, types }: { items: ResourceRead[]; types: Map<string, ResourceTypeRead> }) {
  return (
    <ul className="list card" style={{ padding: 0 }}>
      {items.map((r) => (
        <li key={r.id}>
          <div className="row">
            <Link to={`/resources/${r.id}`}>
              <strong>{r.name}</strong>
            </Link>
            <TypeLabel type={types.get(r.type_id)} />
            <StatusBadge status={r.status} />
          </div>
          {r.description ? <p className="muted" style={{ margin: '0.25rem 0 0' }}>{r.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}

/** Resources of one site: search, type and status filters, table / list / hierarchy views.
 * With `manage`, the table has edit, add-inside and book actions per resource. */
export function ResourcesView({ site, manage = false }: { site: string; manage?: boolean }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<ResourceRead | null>(null);
  const [addingInside, setAddingInside] = useState<ResourceRead | null>(null);
  const [view, setView] = useSearchParam('view', 'table');
  const [q, setQ] = useSearchParam('q');
  const [typeId, setTypeId] = useSearchParam('type');
  const [status, setStatus] = useSearchParam('status');
  const query = useDeferredValue(q);
  const types = useSiteResourceTypes(site);
  const resources = useResources({ site, q: query, typeId, status: status as ResourceStatus | '' });
  const typeMap = useMemo(() => new Map((types.data?.items ?? []).map((ty) => [ty.id, ty])), [types.data]);

  return (
    <section aria-labelledby="resources-results">
      <div className="toolbar" role="search">
        <Field label={t('resources.search')}>
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </Field>
        <Field label={t('common.type')}>
          <select value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            <option value="">{t('resources.anyType')}</option>
            {(types.data?.items ?? []).map((ty) => (
              <option key={ty.id} value={ty.id}>
                {ty.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('common.status')}>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('resources.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <div className="field">
          <span id="view-label" style={{ fontWeight: 600, fontSize: '0.9rem' }}>
            {t('resources.views')}
          </span>
          <div className="segmented" role="group" aria-labelledby="view-label">
            {VIEWS.map((v) => (
              <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
                {t(`resources.${v}`)}
              </button>
            ))}
          </div>
        </div>
      </div>
      <h2 id="resources-results" className="sr-only">
        {t('resources.title')}
      </h2>
      <QueryState query={resources}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="empty">{t('resources.none')}</p>
          ) : view === 'tree' ? (
            <div className="card">
              <ResourceTree resources={page.items} />
            </div>
          ) : view === 'list' ? (
            <ResourceList items={page.items} types={typeMap} />
          ) : (
            <ResourceTable
              items={page.items}
              types={typeMap}
              manage={manage ? { onEdit: setEditing, onAddInside: setAddingInside } : undefined}
            />
          )
        }
      </QueryState>
      {editing ? <EditResourceDialog resource={editing} onClose={() => setEditing(null)} /> : null}
      {addingInside ? <NewResourceDialog site={site} parent={addingInside.id} onClose={() => setAddingInside(null)} /> : null}
    </section>
  );
}
