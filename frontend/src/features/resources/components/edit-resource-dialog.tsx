import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { FormDialog } from '@/components/form/form-dialog';
import { FormField } from '@/components/form/form-field';
import type { ResourceRead } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useResources } from '../api/get-resources';
import { useUpdateResource } from '../api/update-resource';
import { parseAttributes, resourceSchema, STATUSES, type ResourceValues } from './resource-form';

export { parseAttributes };

export function EditResourceDialog({ resource, onClose }: { resource: ResourceRead; onClose: () => void }) {
  const { t } = useTranslation();
  const resources = useResources({ site: resource.site_id });
  const update = useUpdateResource();
  const schema = useMemo(() => resourceSchema(t, { typeRequired: false }), [t]);
  const form = useForm<ResourceValues>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: resource.name,
      type_id: resource.type_id,
      parent_id: resource.parent_id ?? '',
      location: resource.location,
      description: resource.description,
      status: resource.status,
      attributes: JSON.stringify(resource.attributes ?? {}, null, 2),
    },
  });
  const { register } = form;

  const submit = async (values: ResourceValues) => {
    const attributes = parseAttributes(values.attributes);
    await update.mutateAsync({
      id: resource.id,
      body: {
        name: values.name,
        description: values.description,
        location: values.location,
        status: values.status,
        parent_id: values.parent_id || null,
        attributes: 'value' in attributes ? attributes.value : {},
      },
    });
    toast.success(t('admin.resourceSaved'));
    onClose();
  };

  return (
    <FormDialog title={t('admin.editResource')} label={t('admin.editResource')} form={form} onSubmit={submit} onClose={onClose} submitLabel={t('common.save')}>
      <FormField name="name" label={t('common.name')} required>
        <input {...register('name')} />
      </FormField>
      <FormField name="description" label={t('common.description')}>
        <textarea {...register('description')} rows={3} />
      </FormField>
      <FormField name="location" label={t('admin.location')}>
        <input {...register('location')} />
      </FormField>
      <FormField name="status" label={t('common.status')}>
        <select {...register('status')}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </FormField>
      <FormField name="parent_id" label={t('admin.parent')}>
        <select {...register('parent_id')}>
          <option value="">{t('admin.noParent')}</option>
          {(resources.data?.items ?? [])
            .filter((r) => r.id !== resource.id)
            .map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
        </select>
      </FormField>
      <FormField name="attributes" label={t('admin.attributes')}>
        <textarea {...register('attributes')} spellCheck={false} rows={6} />
      </FormField>
    </FormDialog>
  );
}
