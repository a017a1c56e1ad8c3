import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { CoUserAdd } from '@/lib/api/types';

type Role = NonNullable<CoUserAdd['role']>;

/** The people a booking is shared with as it is made: rows of username or e-mail and role.
 * Blank rows are ignored; the same person twice is pointed out on the later row. */
export function CoUsersField({ value, onChange }: { value: CoUserAdd[]; onChange: (value: CoUserAdd[]) => void }) {
  const { t } = useTranslation();
  const list = useRef<HTMLUListElement>(null);
  const added = useRef(false);
  // A row added with the button gets the focus.
  useEffect(() => {
    if (!added.current) return;
    added.current = false;
    list.current?.querySelector<HTMLInputElement>('li:last-child input')?.focus();
  }, [value.length]);

  const update = (index: number, change: Partial<CoUserAdd>) =>
    onChange(value.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const message = (index: number): string | undefined => {
    const who = value[index]!.user.trim().toLowerCase();
    return who && value.slice(0, index).some((row) => row.user.trim().toLowerCase() === who)
      ? t('sharedBookings.duplicate')
      : undefined;
  };

  return (
    <fieldset data-testid="co-users-field">
      <legend>{t('sharedBookings.shareWith')}</legend>
      <p className="field-hint">{t('sharedBookings.shareWithHint')}</p>
      {value.length > 0 ? (
        <ul className="co-user-rows" ref={list}>
          {value.map((row, index) => (
            <li key={index} className="form-grid">
              <div>
                <Field label={t('sharedBookings.who')} hint={t('sharedBookings.whoHint')} error={message(index)}>
                  <input
                    value={row.user}
                    maxLength={320}
                    autoComplete="off"
                    onChange={(e) => update(index, { user: e.target.value })}
                  />
                </Field>
              </div>
              <div>
                <Field label={t('sharedBookings.roleLabel')}>
                  <select value={row.role ?? 'attendee'} onChange={(e) => update(index, { role: e.target.value as Role })}>
                    <option value="attendee">{t('sharedBookings.role.attendee')}</option>
                    <option value="co-manager">{t('sharedBookings.role.co-manager')}</option>
                  </select>
                </Field>
              </div>
              <div className="co-user-remove">
                <Button
                  size="sm"
                  aria-label={t('sharedBookings.removeRow', { name: row.user.trim() || index + 1 })}
                  onClick={() => onChange(value.filter((_, i) => i !== index))}
                >
                  {t('sharedBookings.remove')}
                </Button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <Button
        size="sm"
        onClick={() => {
          added.current = true;
          onChange([...value, { user: '', role: 'attendee' }]);
        }}
      >
        {t('sharedBookings.addRow')}
      </Button>
    </fieldset>
  );
}

/** The rows worth sending: blank ones dropped, each person once, trimmed. */
export function coUsersToSend(value: CoUserAdd[]): CoUserAdd[] {
  const seen = new Set<string>();
  const out: CoUserAdd[] = [];
  for (const row of value) {
    const user = row.user.trim();
    if (!user || seen.has(user.toLowerCase())) continue;
    seen.add(user.toLowerCase());
    out.push({ user, role: row.role ?? 'attendee' });
  }
  return out;
}
