import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
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
      <MyReservations />
    </>
  );
}
