import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { JsonObject, ResourceRead, ResourceStatus } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useResources } from '../api/get-resources';
import { useUpdateResource } from '../api/update-resource';

const STATUSES: ResourceStatus[] = ['active', 'maintenance', 'retired'];

/** Parses the attributes box: a JSON object, or the reason it is not one. */
export function parseAttributes(text: string): { value: JsonObject } | { error: string } {
  try {
    const value: unknown = JSON.parse(text.trim() || '{}');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not an object' };
    return { value: value as JsonObject };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function EditResourceDialog({ resource, onClose }: { resource: ResourceRead; onClose: () => void }) {
  const { t } = useTranslation();
  const resources = useResources({ site: resource.site_id });
  const update = useUpdateResource();
  const [name, setName] = useState(resource.name);
  const [description, setDescription] = useState(resource.description);
  const [location, setLocation] = useState(resource.location);
  const [status, setStatus] = useState<ResourceStatus>(resource.status);
  const [parentId, setParentId] = useState(resource.parent_id ?? '');
  const [attributes, setAttributes] = useState(() => JSON.stringify(resource.attributes ?? {}, null, 2));
  const [errors, setErrors] = useState<Record<string, string>>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('validation.required');
    const parsed = parseAttributes(attributes);
    if ('error' in parsed) found.attributes = t('admin.attributesInvalid');
    setErrors(found);
    if ('error' in parsed || Object.keys(found).length) return;
    update.mutate(
      {
        id: resource.id,
        body: { name: name.trim(), description, location, status, parent_id: parentId || null, attributes: parsed.value },
      },
      {
        onSuccess: () => {
          toast.success(t('admin.resourceSaved'));
          onClose();
        },
        onError: (error) =>
          setErrors(error instanceof ApiError ? { ...error.fieldErrors, form: error.message } : { form: t('errors.network') }),
      },
    );
  };

  return (
    <Dialog open title={t('admin.editResource')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('admin.editResource')}>
        {errors.form ? (
          <p className="callout callout-danger" role="alert">
            {errors.form}
          </p>
        ) : null}
        <Field label={t('common.name')} error={errors.name} required>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('common.description')} error={errors.description}>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
        </Field>
        <Field label={t('admin.location')} error={errors.location}>
          <input value={location} onChange={(e) => setLocation(e.target.value)} />
        </Field>
        <Field label={t('common.status')} error={errors.status}>
          <select value={status} onChange={(e) => setStatus(e.target.value as ResourceStatus)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('admin.parent')} error={errors.parent_id}>
          <select value={parentId} onChange={(e) => setParentId(e.target.value)}>
            <option value="">{t('admin.noParent')}</option>
            {(resources.data?.items ?? [])
              .filter((r) => r.id !== resource.id)
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
          </select>
        </Field>
        <Field label={t('admin.attributes')} error={errors.attributes}>
          <textarea value={attributes} onChange={(e) => setAttributes(e.target.value)} spellCheck={false} rows={6} />
        </Field>
        <div className="form-actions">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" busy={update.isPending}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
