import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { QueryState } from '@/components/ui/query-state';
import { ApiError } from '@/lib/api/problem';
import type { CoUserRead } from '@/lib/api/types';
import { toast } from '@/lib/toast';
import { useCoUserChanges, useCoUsers, type ShareFailure } from '../api/co-users';

type Role = CoUserRead['role'];

/** Who shares a reservation; the owner and site admins add and remove them (``canManage``),
 * a co-user may leave (``myId``). ``refused``: the people the booking form could not share it
 * with; the first is put back in the field with the reason. */
export function CoUsersPanel({
  reservationId,
  canManage,
  myId,
  refused = [],
}: {
  reservationId: string;
  canManage: boolean;
  myId: string;
  refused?: ShareFailure[];
}) {
  const { t } = useTranslation();
  const coUsers = useCoUsers(reservationId);
  const { add, remove } = useCoUserChanges(reservationId);
  const [who, setWho] = useState(refused[0]?.user ?? '');
  const [role, setRole] = useState<Role>(refused[0]?.role ?? 'attendee');
  const [error, setError] = useState<string | undefined>(refused[0] ? (refused[0].message ?? t('errors.network')) : undefined);

  const onAdd = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (!who.trim()) {
      setError(t('validation.required'));
      return;
    }
    add.mutate(
      { user: who.trim(), role },
      {
        onSuccess: (added) => {
          toast.success(t('sharedBookings.added', { name: added.username }));
          setWho('');
        },
        onError: (failure) =>
          setError(failure instanceof ApiError ? (failure.problem.detail ?? failure.problem.title) : t('errors.network')),
      },
    );
  };

  return (
    <section aria-labelledby="co-users-title">
      <h2 id="co-users-title">{t('sharedBookings.coUsers')}</h2>
      <p className="field-hint">{t('sharedBookings.coUsersHint')}</p>
      <QueryState query={coUsers}>
        {(list) =>
          list.length === 0 ? (
            <p>{t('sharedBookings.nobody')}</p>
          ) : (
            <ul className="co-users">
              {list.map((co) => (
                <li key={co.user_id}>
                  <span>
                    {co.username}
                    {co.email ? ` <${co.email}>` : ''} · {t(`sharedBookings.role.${co.role}`)}
                  </span>{' '}
                  {canManage || co.user_id === myId ? (
                    <Button
                      size="sm"
                      variant="danger"
                      busy={remove.isPending && remove.variables === co.user_id}
                      onClick={() =>
                        remove.mutate(co.user_id, {
                          onSuccess: () => toast.success(t('sharedBookings.removed', { name: co.username })),
                        })
                      }
                    >
                      {co.user_id === myId ? t('sharedBookings.leave') : t('sharedBookings.remove')}
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      {canManage ? (
        <form onSubmit={onAdd} className="form-grid" noValidate>
          <div>
            <Field label={t('sharedBookings.who')} hint={t('sharedBookings.whoHint')} error={error} required>
              <input value={who} onChange={(e) => setWho(e.target.value)} maxLength={320} autoComplete="off" />
            </Field>
          </div>
          <div>
            <Field label={t('sharedBookings.roleLabel')}>
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                <option value="attendee">{t('sharedBookings.role.attendee')}</option>
                <option value="co-manager">{t('sharedBookings.role.co-manager')}</option>
              </select>
            </Field>
          </div>
          <div>
            <Button type="submit" variant="primary" busy={add.isPending}>
              {t('sharedBookings.add')}
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
