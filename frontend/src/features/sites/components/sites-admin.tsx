import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
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

function NewSiteDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useTranslation();
  const create = useCreateSite();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [visibility, setVisibility] = useState<SiteVisibility>('private');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      // The server's default zone; the site's time zone is changed in its settings.
      { name, slug, description: '', visibility, time_zone: 'UTC' },
      {
        onSuccess: (site) => onCreated(site.id),
        onError: (error) =>
          setErrors(error instanceof ApiError ? { ...error.fieldErrors, form: error.message } : { form: t('errors.network') }),
      },
    );
  };
  return (
    <Dialog open title={t('admin.newSite')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('admin.newSite')}>
        {errors.form ? (
          <p className="callout callout-danger" role="alert">
            {errors.form}
          </p>
        ) : null}
        <Field label={t('common.name')} error={errors.name} required>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('admin.slug')} error={errors.slug} required>
          <input value={slug} onChange={(e) => setSlug(e.target.value)} pattern="[a-z0-9-]+" />
        </Field>
        <Field label={t('admin.visibility')} error={errors.visibility}>
          <select value={visibility} onChange={(e) => setVisibility(e.target.value as SiteVisibility)}>
            <option value="private">{t('admin.private')}</option>
            <option value="public">{t('admin.public')}</option>
          </select>
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

function EditSiteDialog({ site, onClose }: { site: SiteOut; onClose: () => void }) {
  const { t } = useTranslation();
  const user = useUser();
  // Slugs are unique across every site: only platform admins, who see them all, change one.
  const canChangeSlug = user.isPlatformAdmin;
  const update = useUpdateSite();
  const [name, setName] = useState(site.name);
  const [slug, setSlug] = useState(site.slug);
  const [description, setDescription] = useState(site.description);
  const [visibility, setVisibility] = useState<SiteVisibility>(site.visibility);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = t('validation.required');
    if (!/^[a-z0-9-]+$/.test(slug)) found.slug = t('validation.pattern');
    setErrors(found);
    if (Object.keys(found).length) return;
    update.mutate(
      { site, body: { name: name.trim(), slug, description, visibility } },
      {
        onSuccess: () => {
          toast.success(t('admin.siteSaved'));
          onClose();
        },
        onError: (error) => {
          if (!(error instanceof ApiError)) setErrors({ form: t('errors.network') });
          else if (error.status === 412) setErrors({ form: t('admin.staleEdit') });
          else setErrors({ ...error.fieldErrors, form: error.message });
        },
      },
    );
  };
  return (
    <Dialog open title={t('admin.editSite')} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label={t('admin.editSite')}>
        {errors.form ? (
          <p className="callout callout-danger" role="alert">
            {errors.form}
          </p>
        ) : null}
        <Field label={t('common.name')} error={errors.name} required>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('admin.slug')} hint={canChangeSlug ? undefined : t('admin.slugPlatformOnly')} error={errors.slug} required>
          <input value={slug} onChange={(e) => setSlug(e.target.value)} pattern="[a-z0-9-]+" readOnly={!canChangeSlug} />
        </Field>
        <Field label={t('common.description')} error={errors.description}>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} />
        </Field>
        <Field label={t('admin.visibility')} error={errors.visibility}>
          <select value={visibility} onChange={(e) => setVisibility(e.target.value as SiteVisibility)}>
            <option value="private">{t('admin.private')}</option>
            <option value="public">{t('admin.public')}</option>
          </select>
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
                      <Button size="sm" variant="danger" onClick={() => remove.mutate(m.user.id)}>
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
