import { zodResolver } from '@hookform/resolvers/zod';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { FormDialog } from '@/components/form/form-dialog';
import { FormField } from '@/components/form/form-field';
import { useCreateResource } from '../api/create-resource';
import { useSiteResourceTypes } from '@/lib/api/resource-types';
import { useResources } from '../api/get-resources';
import { parseAttributes, resourceSchema, type ResourceValues } from './resource-form';

export function NewResourceDialog({ site, parent = '', onClose }: { site: string; parent?: string; onClose: () => void }) {
  const { t } = useTranslation();
  const types = useSiteResourceTypes(site);
  const resources = useResources({ site });
  const create = useCreateResource(site);
  const schema = useMemo(() => resourceSchema(t, { typeRequired: true }), [t]);
  const form = useForm<ResourceValues>({
    resolver: zodResolver(schema),
    defaultValues: { name: '', type_id: '', parent_id: parent, location: '', description: '', status: 'active', attributes: '{}' },
  });
  const { register } = form;
  const submit = async (values: ResourceValues) => {
    const attributes = parseAttributes(values.attributes);
    await create.mutateAsync({
      name: values.name,
      type_id: values.type_id,
      parent_id: values.parent_id || null,
      location: values.location,
      description: values.description,
      attributes: 'value' in attributes ? attributes.value : {},
      status: values.status,
    });
    onClose();
  };
  return (
    <FormDialog title={t('admin.newResource')} label={t('admin.newResource')} form={form} onSubmit={submit} onClose={onClose} submitLabel={t('common.create')}>
      <FormField name="name" label={t('common.name')} required>
        <input {...register('name')} />
      </FormField>
      <FormField name="type_id" label={t('common.type')} required>
        <select {...register('type_id')}>
          <option value="" />
          {(types.data?.items ?? []).map((ty) => (
            <option key={ty.id} value={ty.id}>
              {ty.name}
            </option>
          ))}
        </select>
      </FormField>
      <FormField name="parent_id" label={t('resources.parent')}>
        <select {...register('parent_id')}>
          <option value="">{t('common.none')}</option>
          {(resources.data?.items ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </FormField>
      <FormField name="location" label={t('resources.location')}>
        <input {...register('location')} />
      </FormField>
      <FormField name="attributes" label={`${t('resources.attributes')} (JSON)`}>
        <textarea {...register('attributes')} spellCheck={false} />
      </FormField>
    </FormDialog>
  );
}
