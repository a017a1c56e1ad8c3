import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { ApiError } from '@/lib/api/problem';
import type { JsonObject } from '@/lib/api/types';
import { useCreateResource } from '../api/create-resource';
import { useResourceTypes } from '../api/get-resource-types';
import { useResources } from '../api/get-resources';

export function NewResourceDialog({ site, parent = '', onClose }: { site: string; parent?: string; onClose: () => void }) {
  const { t } = useTranslation();
  const types = useResourceTypes(site);
  const resources = useResources({ site });
  const create = useCreateResource(site);
  const [name, setName] = useState('');
  const [typeId, setTypeId] = useState('');
  const [parentId, setParentId] = useState(parent);
  const [location, setLocation] = useState('');
  const [attributes, setAttributes] = useState('{}');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('validation.required');
    if (!typeId) found.type_id = t('validation.required');
    let parsed: JsonObject = {};
    try {
      parsed = JSON.parse(attributes || '{}') as JsonObject;
    } catch (error) {
      found.attributes = t('admin.schemaInvalid', { error: (error as Error).message });
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    create.mutate(
      { name: name.trim(), type_id: typeId, parent_id: parentId || null, location, description: '', attributes: parsed, status: 'active' },
      {
        onSuccess: onClose,
        onError: (error) =>
          setErrors(error instanceof ApiError ? { ...error.fieldErrors, form: error.message } : { form: t('errors.network') }),
      },
    );
  };
  return (
    <Dialog open title={t('admin.newResource')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('admin.newResource')}>
        {errors.form ? (
          <p className="callout callout-danger" role="alert">
            {errors.form}
          </p>
        ) : null}
        <Field label={t('common.name')} error={errors.name} required>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('common.type')} error={errors.type_id} required>
          <select value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            <option value="" />
            {(types.data?.items ?? []).map((ty) => (
              <option key={ty.id} value={ty.id}>
                {ty.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('resources.parent')} error={errors.parent_id}>
          <select value={parentId} onChange={(e) => setParentId(e.target.value)}>
            <option value="">{t('common.none')}</option>
            {(resources.data?.items ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('resources.location')} error={errors.location}>
          <input value={location} onChange={(e) => setLocation(e.target.value)} />
        </Field>
        <Field label={`${t('resources.attributes')} (JSON)`} error={errors.attributes}>
          <textarea value={attributes} onChange={(e) => setAttributes(e.target.value)} spellCheck={false} />
        </Field>
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
