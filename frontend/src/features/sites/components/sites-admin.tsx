import { zodResolver } from '@hookform/resolvers/zod';
import type { TFunction } from 'i18next';
import { useMemo, useState, type FormEvent } from 'react';
import { useForm, useFormContext } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { FormDialog } from '@/components/form/form-dialog';
import { FormField } from '@/components/form/form-field';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { ApiError } from '@/lib/api/problem';
import type { SiteOut, SiteRole, SiteVisibility } from '@/lib/api/types';
import { useUser } from '@/lib/auth/auth-context';
import { toast } from '@/lib/toast';
import { useAddMember } from '../api/add-member';
import { useCreateSite } from '../api/create-site';
import { useMembers } from '../api/get-members';
import { useRemoveMember } from '../api/remove-member';
import { useUpdateMember } from '../api/update-member';
import { useSite, useUpdateSite } from '../api/update-site';
import { SiteSelect } from './site-select';

const VISIBILITIES = ['private', 'public'] as const satisfies readonly SiteVisibility[];

function siteSchema(t: TFunction) {
  return z.object({
    name: z.string().trim().min(1, t('validation.required')),
    slug: z.string().regex(/^[a-z0-9-]+$/, t('validation.pattern')),
    description: z.string(),
    visibility: z.enum(VISIBILITIES),
  });
}

type SiteValues = z.infer<ReturnType<typeof siteSchema>>;

function SiteFields({ slugHint, slugReadOnly, withDescription }: { slugHint?: string; slugReadOnly?: boolean; withDescription?: boolean }) {
  const { t } = useTranslation();
  const { register } = useFormContext<SiteValues>();
  return (
    <>
      <FormField name="name" label={t('common.name')} required>
        <input {...register('name')} />
      </FormField>
      <FormField name="slug" label={t('admin.slug')} hint={slugHint} required>
        <input {...register('slug')} readOnly={slugReadOnly} />
      </FormField>
      {withDescription ? (
        <FormField name="description" label={t('common.description')}>
          <textarea {...register('description')} rows={3} />
        </FormField>
      ) : null}
      <FormField name="visibility" label={t('admin.visibility')}>
        <select {...register('visibility')}>
          <option value="private">{t('admin.private')}</option>
          <option value="public">{t('admin.public')}</option>
        </select>
      </FormField>
    </>
  );
}

function NewSiteDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateSite();
  const schema = useMemo(() => siteSchema(t), [t]);
  const form = useForm<SiteValues>({
    resolver: zodResolver(schema),
    defaultValues: { name: '', slug: '', description: '', visibility: 'private' },
  });
  const submit = async (values: SiteValues) => {
    // The server's default zone; the site's time zone is changed in its settings.
    const site = await create.mutateAsync({ ...values, time_zone: 'UTC' });
    onCreated(site.id);
  };
  return (
    <FormDialog title={t('admin.newSite')} label={t('admin.newSite')} form={form} onSubmit={submit} onClose={onClose} submitLabel={t('common.create')}>
      <SiteFields />
    </FormDialog>
  );
}

function EditSiteDialog({ site, onClose }: { site: SiteOut; onClose: () => void }) {
  const { t } = useTranslation();
  const user = useUser();
  // Slugs are unique across every site: only platform admins, who see them all, change one.
  const canChangeSlug = user.isPlatformAdmin;
  const update = useUpdateSite();
  const schema = useMemo(() => siteSchema(t), [t]);
  const form = useForm<SiteValues>({
    resolver: zodResolver(schema),
    defaultValues: { name: site.name, slug: site.slug, description: site.description, visibility: site.visibility },
  });
  const submit = async (values: SiteValues) => {
    await update.mutateAsync({ site, body: values });
    toast.success(t('admin.siteSaved'));
    onClose();
  };
  return (
    <FormDialog
      title={t('admin.editSite')}
      label={t('admin.editSite')}
      form={form}
      onSubmit={submit}
      onClose={onClose}
      submitLabel={t('common.save')}
      describeFailure={(error) => (error.status === 412 ? t('admin.staleEdit') : undefined)}
    >
      <SiteFields slugHint={canChangeSlug ? undefined : t('admin.slugPlatformOnly')} slugReadOnly={!canChangeSlug} withDescription />
    </FormDialog>
  );
}

function EditSiteButton({ site }: { site: string }) {
  const { t } = useTranslation();
  const current = useSite(site);
  const [open, setOpen] = useState(false);
  if (!current.data) return null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t('admin.editSite')}</Button>
      {open ? <EditSiteDialog site={current.data} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function Members({ site }: { site: string }) {
  const { t } = useTranslation();
  const members = useMembers(site);
  const add = useAddMember(site);
  const update = useUpdateMember(site);
  const remove = useRemoveMember(site);
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const [identifier, setIdentifier] = useState('');
  const [role, setRole] = useState<SiteRole>('member');
  const [error, setError] = useState<string | undefined>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!identifier.trim()) {
      setError(t('validation.required'));
      return;
    }
    add.mutate(
      { identifier: identifier.trim(), role },
      {
        onSuccess: () => {
          setIdentifier('');
          setError(undefined);
        },
        onError: (err) => setError(err instanceof ApiError ? (err.fieldErrors.identifier ?? err.message) : t('errors.network')),
      },
    );
  };
  return (
    <section className="card" aria-labelledby="members">
      <h2 id="members">{t('admin.members')}</h2>
      <form className="toolbar" onSubmit={submit} noValidate aria-label={t('admin.addMember')}>
        <Field label={t('admin.member')} error={error} required>
          <input value={identifier} onChange={(e) => setIdentifier(e.target.value)} />
        </Field>
        <Field label={t('admin.role')}>
          <select value={role} onChange={(e) => setRole(e.target.value as SiteRole)}>
            <option value="member">{t('admin.memberRole')}</option>
            <option value="site-admin">{t('admin.siteAdmin')}</option>
          </select>
        </Field>
        <Button type="submit" variant="primary" busy={add.isPending}>
          {t('admin.addMember')}
        </Button>
      </form>
      <QueryState query={members}>
        {(page) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('profile.username')}</th>
                  <th scope="col">{t('profile.email')}</th>
                  <th scope="col">{t('admin.role')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((m) => (
                  <tr key={m.user.id}>
                    <td>{m.user.display_name ? `${m.user.display_name} (${m.user.username})` : m.user.username}</td>
                    <td>{m.user.email ?? '—'}</td>
                    <td>
                      <select
                        aria-label={`${t('admin.role')} — ${m.user.username}`}
                        value={m.role}
                        onChange={(e) => update.mutate({ userId: m.user.id, role: e.target.value as SiteRole })}
                      >
                        <option value="member">{t('admin.memberRole')}</option>
                        <option value="site-admin">{t('admin.siteAdmin')}</option>
                      </select>
                    </td>
                    <td>
                      <Button size="sm" variant="danger" onClick={() => setRemoving({ id: m.user.id, name: m.user.display_name ?? m.user.username })}>
                        {t('admin.removeMember', { name: m.user.username })}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {removing ? (
        <ConfirmDialog
          title={t('confirm.removeMemberTitle', { name: removing.name })}
          confirmLabel={t('confirm.remove')}
          busy={remove.isPending}
          onConfirm={() => remove.mutate(removing.id, { onSuccess: () => setRemoving(null) })}
          onClose={() => setRemoving(null)}
        >
          <p>{t('confirm.removeMemberBody', { name: removing.name })}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

export function SitesAdmin({ site, onSiteChange }: { site: string; onSiteChange: (id: string) => void }) {
  const { t } = useTranslation();
  const user = useUser();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <div className="toolbar">
        <SiteSelect value={site} onChange={onSiteChange} adminOnly />
        {site ? <EditSiteButton site={site} /> : null}
        {user.isPlatformAdmin ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            {t('admin.newSite')}
          </Button>
        ) : null}
      </div>
      {site ? <Members site={site} /> : null}
      {creating ? (
        <NewSiteDialog
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            onSiteChange(id);
          }}
        />
      ) : null}
    </>
  );
}
