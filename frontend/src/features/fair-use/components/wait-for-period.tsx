import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { ApiError } from '@/lib/api/problem';
import { formatRange } from '@/lib/i18n';
import { myWaitlistQuery, useJoinWaitlist, useLeaveWaitlist } from '../api/waitlist';

type Props = { resourceId: string; title: string; start: string; end: string };

/** Offered when a booking is refused because the period is taken: wait in line for it (and,
 * if asked, be booked automatically when it frees), see the place in line, leave the line. */
export function WaitForPeriod({ resourceId, title, start, end }: Props) {
  const { t, i18n } = useTranslation();
  const [autoBook, setAutoBook] = useState(true);
  const [entryId, setEntryId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const join = useJoinWaitlist();
  const leave = useLeaveWaitlist();
  // Read only once in line: the offer itself asks the server nothing.
  const mine = useQuery({ ...myWaitlistQuery(), enabled: entryId !== null });
  // The place in line as the server says it now (it moves as others leave or are served).
  const entry = entryId ? (mine.data ?? []).find((e) => e.id === entryId) ?? join.data : undefined;

  if (entry && entry.status !== 'cancelled') {
    return (
      <div className="stack" data-testid="waitlist-joined">
        <p>
          {t('fairUse.waiting', { range: formatRange(entry.start, entry.end, i18n.language) })}{' '}
          <strong>{t('fairUse.position', { position: entry.position ?? 0 })}</strong>
        </p>
        <p className="row">
          <Button
            size="sm"
            busy={leave.isPending}
            onClick={() =>
              leave.mutate(entry.id, {
                onSuccess: () => {
                  setEntryId(null);
                  join.reset();
                },
              })
            }
          >
            {t('fairUse.leave')}
          </Button>
        </p>
      </div>
    );
  }
  return (
    <div className="stack" data-testid="waitlist-offer">
      <label className="row">
        <input type="checkbox" checked={autoBook} onChange={(e) => setAutoBook(e.target.checked)} />
        {t('fairUse.autoBook')}
      </label>
      <p className="row">
        <Button
          size="sm"
          busy={join.isPending}
          onClick={() => {
            setError(null);
            join.mutate(
              { resourceId, title: title.trim() || t('fairUse.waitlistDefaultTitle'), start, end, autoBook },
              {
                onSuccess: (made) => setEntryId(made.id),
                onError: (e) => setError(e instanceof ApiError ? e.message : t('errors.network')),
              },
            );
          }}
        >
          {t('fairUse.waitForPeriod')}
        </Button>
      </p>
      {error ? <p className="muted" role="status">{error}</p> : null}
    </div>
  );
}
