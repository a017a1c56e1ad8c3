import { useParams } from 'react-router';
import { ReservationPage } from '@/features/shared-bookings/components/reservation-page';

export default function ReservationRoute() {
  const { reservationId = '' } = useParams();
  return <ReservationPage key={reservationId} reservationId={reservationId} />;
}
