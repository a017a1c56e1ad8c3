import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { UsagePanel } from '@/features/fair-use/components/usage-panel';
import { WaitForPeriod } from '@/features/fair-use/components/wait-for-period';
import { BookingForm } from '@/features/reservations/components/booking-form';
import { shareWithAll } from '@/features/shared-bookings/api/co-users';
import { CoUsersField, coUsersToSend } from '@/features/shared-bookings/components/co-users-field';
import { QuantityField } from '@/features/shared-bookings/components/quantity-field';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';
import { toast } from '@/lib/toast';

function dateParam(value: string | null): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export default function BookRoute() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [site, setSite] = useSelectedSite();
  return (
    <>
      <PageHeader title={t('booking.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} />
      </div>
      <UsagePanel />
      {site ? (
        <BookingForm
          key={site}
          site={site}
          resourceId={params.get('resource') ?? ''}
          start={dateParam(params.get('start'))}
          end={dateParam(params.get('end'))}
          renderQuantity={(props) => <QuantityField {...props} />}
          renderCoUsers={(props) => <CoUsersField {...props} />}
          onTaken={(asked) => (
            <WaitForPeriod resourceId={asked.resource} title={asked.title} start={asked.start} end={asked.end} quantity={asked.quantity} capacity={asked.capacity} />
          )}
          onCreated={async (reservation, { coUsers }) => {
            const people = coUsersToSend(coUsers);
            if (people.length > 0) {
              const notShared = await shareWithAll(reservation.id, people);
              if (notShared.length > 0) {
                // The booking stands: its page says who is missing and takes them again.
                // Says more than the live notification of the booking, should that have come first.
                toast.info(t('sharedBookings.notShared'), { key: `reservation:${reservation.id}`, replace: true });
                navigate(`/reservations/${reservation.id}`, { state: { notShared } });
                return;
              }
            }
            toast.success(
              people.length > 0 ? t('sharedBookings.sharedWith', { names: people.map((p) => p.user).join(', ') }) : t('booking.created'),
              { key: `reservation:${reservation.id}`, replace: people.length > 0 },
            );
            // Straight to the tab the new booking is on.
            navigate(new Date(reservation.start) <= new Date() && reservation.status !== 'pending' ? '/reservations?tab=active' : '/reservations?tab=upcoming');
          }}
        />
      ) : null}
    </>
  );
}
