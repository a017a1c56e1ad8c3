import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { roleLabel, visibleRoles } from '@/lib/humanise';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { ApiError } from '@/lib/api/problem';
import { useUser } from '@/lib/auth/auth-context';
import { useAddSshKey } from '../api/add-ssh-key';
import { useDeleteSshKey } from '../api/delete-ssh-key';
import { useMe } from '../api/get-me';
import { useSshKeys } from '../api/get-ssh-keys';

function AddKeyForm() {
  const { t } = useTranslation();
  const add = useAddSshKey();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!publicKey.trim()) {
      setErrors({ public_key: t('validation.required') });
      return;
    }
    setErrors({});
    add.mutate(
      { name: name.trim() || null, public_key: publicKey.trim() },
      {
        onSuccess: () => {
          setName('');
          setPublicKey('');
        },
        onError: (error) => {
          const fields = error instanceof ApiError ? error.fieldErrors : {};
          setErrors(
            Object.keys(fields).length
              ? fields
              : { public_key: error instanceof ApiError ? error.message : t('errors.network') },
          );
        },
      },
    );
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('profile.addKey')}>
      <Field label={t('profile.keyName')} error={errors.name}>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
      </Field>
      <Field label={t('profile.publicKey')} hint={t('profile.publicKeyHint')} error={errors.public_key} required>
        <textarea value={publicKey} onChange={(e) => setPublicKey(e.target.value)} spellCheck={false} />
      </Field>
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={add.isPending}>
          {t('profile.addKey')}
        </Button>
      </div>
    </form>
  );
}

export function ProfileView() {
  const { t } = useTranslation();
  const user = useUser();
  const me = useMe();
  const keys = useSshKeys();
  const remove = useDeleteSshKey();
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  return (
    <div className="grid">
      <section className="card" aria-labelledby="identity">
        <h2 id="identity">{t('profile.identity')}</h2>
        <dl className="props">
          <dt>{t('common.name')}</dt>
          <dd>{me.data?.display_name ?? user.name}</dd>
          <dt>{t('profile.username')}</dt>
          <dd>{user.username}</dd>
          <dt>{t('profile.email')}</dt>
          <dd>{user.email ?? '—'}</dd>
          <dt>{t('profile.roles')}</dt>
          <dd>{visibleRoles(user.roles).map(roleLabel).join(', ') || '—'}</dd>
          <dt>{t('profile.subject')}</dt>
          <dd>
            <code>{user.id}</code>
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="ssh-keys">
        <h2 id="ssh-keys">{t('profile.sshKeys')}</h2>
        <QueryState query={keys}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">{t('profile.noKeys')}</p>
            ) : (
              <ul className="list">
                {items.map((key) => (
                  <li key={key.id} className="row" style={{ justifyContent: 'space-between' }}>
                    <div>
                      <strong>{key.name}</strong> <span className="muted">{key.key_type}</span>
                      <div className="muted">
                        {t('profile.fingerprint')}: <code>{key.fingerprint}</code>
                      </div>
                    </div>
                    <Button
                      size="sm"
                      variant="danger"
                      aria-label={t('profile.removeKey', { name: key.name })}
                      onClick={() => setDeleting({ id: key.id, name: key.name })}
                    >
                      {t('common.delete')}
                    </Button>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
        <h3>{t('profile.addKey')}</h3>
        <AddKeyForm />
        {deleting ? (
          <ConfirmDialog
            title={t('confirm.deleteKeyTitle', { name: deleting.name })}
            confirmLabel={t('common.delete')}
            busy={remove.isPending}
            onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
            onClose={() => setDeleting(null)}
          >
            <p>{t('confirm.deleteKeyBody')}</p>
          </ConfirmDialog>
        ) : null}
      </section>
    </div>
  );
}
