import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { formatRange } from '@/lib/i18n';
import { useConfirmWaitlistBooking, useMyWaitlist } from '../api/waitlist';
import { LeaveWaitlistButton } from './leave-waitlist-button';

const OPEN = ['waiting', 'offered', 'booked'];

/** The caller's open waitlist entries: place in line, offers and bookings to confirm. */
export function MyWaitlist() {
  const { t, i18n } = useTranslation();
  const entries = useMyWaitlist();
  const confirm = useConfirmWaitlistBooking();
  const open = (entries.data ?? []).filter((e) => OPEN.includes(e.status));
  if (!open.length) return null;
  return (
    <section className="card stack" aria-labelledby="waitlist-title" data-testid="waitlist">
      <h2 id="waitlist-title">{t('fairUse.waitlistTitle')}</h2>
      <ul className="list" style={{ padding: 0 }}>
        {open.map((e) => (
          <li key={e.id} data-testid="waitlist-row" className="row" style={{ justifyContent: 'space-between' }}>
            <div className="stack">
              <strong>{e.title}</strong>
              <span className="muted">{formatRange(e.start, e.end, i18n.language)}</span>
              <span>
                {e.status === 'waiting'
                  ? t('fairUse.position', { position: e.position ?? 0 })
                  : t(e.status === 'booked' ? 'fairUse.entry.booked' : 'fairUse.entry.offered', {
                      deadline: e.confirm_by ? new Date(e.confirm_by).toLocaleString(i18n.language) : '',
                    })}
              </span>
            </div>
            <div className="row">
              {e.status === 'booked' ? (
                <Button size="sm" variant="primary" busy={confirm.isPending} onClick={() => confirm.mutate(e.id)}>
                  {t('fairUse.confirm')}
                </Button>
              ) : null}
              <LeaveWaitlistButton entryId={e.id} title={e.title} />
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
