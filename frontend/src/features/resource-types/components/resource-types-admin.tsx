import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration, sentenceCase } from '@/lib/humanise';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { QueryState } from '@/components/ui/query-state';
import type { ResourceTypeRead } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useDeleteResourceType } from '../api/delete-resource-type';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { ResourceTypeDialog } from './resource-type-dialog';

export function ResourceTypesAdmin({ site }: { site: string }) {
  const { t, i18n } = useTranslation();
  const types = useSiteResourceTypes(site);
  const [editing, setEditing] = useState<ResourceTypeRead | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ResourceTypeRead | null>(null);
  const remove = useDeleteResourceType(site);
  return (
    <>
      <div className="toolbar">
        <Button variant="primary" onClick={() => setEditing('new')}>
          {t('admin.newType')}
        </Button>
      </div>
      <QueryState query={types}>
        {(page) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.name')}</th>
                  <th scope="col">{t('admin.schema')}</th>
                  <th scope="col">{t('admin.leadTime')}</th>
                  <th scope="col">{t('admin.maxDuration')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((ty) => (
                  <tr key={ty.id}>
                    <td>
                      <span className="swatch" style={{ background: ty.color }} aria-hidden="true" />
                      {ty.name} {ty.requires_approval ? <Badge tone="warning">{t('admin.requiresApproval')}</Badge> : null}
                    </td>
                    <td>
                      {Object.entries((ty.parameters as { properties?: Record<string, { title?: string }> }).properties ?? {})
                        .map(([key, prop]) => prop.title ?? sentenceCase(key))
                        .join(', ') || '—'}
                    </td>
                    <td>{formatDuration(ty.lead_time, i18n.language)}</td>
                    <td>{ty.max_duration ? formatDuration(ty.max_duration, i18n.language) : t('admin.noLimit')}</td>
                    <td>
                      <Button size="sm" onClick={() => setEditing(ty)} aria-label={`${t('common.edit')} ${ty.name}`}>
                        {t('common.edit')}
                      </Button>{' '}
                      <Button size="sm" variant="danger" onClick={() => setDeleting(ty)} aria-label={`${t('common.delete')} ${ty.name}`}>
                        {t('common.delete')}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {editing ? (
        <ResourceTypeDialog site={site} type={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={t('admin.deleteTypeTitle', { name: deleting.name })}
          confirmLabel={t('common.delete')}
          cancelLabel={t('common.cancel')}
          busy={remove.isPending}
          onConfirm={() =>
            remove.mutate(deleting.id, {
              onSuccess: () => toast.success(t('admin.typeDeleted')),
              onSettled: () => setDeleting(null),
            })
          }
          onClose={() => setDeleting(null)}
        >
          <p>{t('admin.deleteTypeBody')}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
