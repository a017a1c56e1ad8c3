import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { StatusBadge } from '@/components/ui/status-badge';
import { useUser } from '@/lib/auth/auth-context';
import { formatRange } from '@/lib/i18n';
import type { ShareFailure } from '../api/co-users';
import { useReservation } from '../api/get-reservation';
import { useMySiteRole } from '../api/get-site-role';
import { CoUsersPanel } from './co-users-panel';

const HOLDING = new Set(['pending', 'confirmed', 'active']);

/** One reservation: its period, quantity and status, and who shares it. */
export function ReservationPage({ reservationId }: { reservationId: string }) {
  const { t, i18n } = useTranslation();
  const user = useUser();
  const reservation = useReservation(reservationId);
  const role = useMySiteRole(reservation.data?.site_id ?? '');
  // The booking form comes here when it could not share a new booking with everyone asked for.
  const location = useLocation();
  const refused = ((location.state as { notShared?: ShareFailure[] } | null)?.notShared ?? []).filter((f) => f.user);
  return (
    <QueryState query={reservation}>
      {(r) => (
        <>
          <PageHeader title={r.title} />
          <dl className="details">
            <dt>{t('reservations.period')}</dt>
            <dd>{formatRange(r.start, r.end, i18n.language)}</dd>
            <dt>{t('sharedBookings.status')}</dt>
            <dd>
              <StatusBadge status={r.status} />
            </dd>
            <dt>{t('sharedBookings.resource')}</dt>
            <dd>
              <Link to={`/resources/${r.resource_id}`}>{t('sharedBookings.openResource')}</Link>
            </dd>
            {r.quantity && r.quantity > 1 ? (
              <>
                <dt>{t('sharedBookings.quantity')}</dt>
                <dd>{r.quantity}</dd>
              </>
            ) : null}
          </dl>
          {refused.length > 0 ? (
            <div className="callout callout-warning" role="alert" data-testid="not-shared">
              <strong>{t('sharedBookings.notSharedTitle')}</strong>
              <ul>
                {refused.map((f) => (
                  <li key={f.user}>
                    {f.user} — {f.message ?? t('errors.network')}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <CoUsersPanel
            key={location.key}
            refused={refused}
            reservationId={r.id}
            myId={user.id}
            canManage={HOLDING.has(r.status) && (r.owner_id === user.id || user.isPlatformAdmin || role === 'site-admin')}
          />
        </>
      )}
    </QueryState>
  );
}
