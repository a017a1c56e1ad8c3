import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { FairUseActions } from '@/features/fair-use/components/fair-use-actions';
import { MyWaitlist } from '@/features/fair-use/components/my-waitlist';
import { UsagePanel } from '@/features/fair-use/components/usage-panel';
import { MyReservations } from '@/features/reservations/components/my-reservations';

export default function ReservationsRoute() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader
        title={t('reservations.title')}
        actions={
          <Link className="btn btn-primary" to="/book">
            {t('nav.book')}
          </Link>
        }
      />
      <UsagePanel />
      <MyWaitlist />
      <MyReservations rowActions={(r) => <FairUseActions reservation={r} />} />
    </>
  );
}
