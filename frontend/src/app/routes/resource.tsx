import { useParams } from 'react-router';
import { ResourceDetail } from '@/features/resources/components/resource-detail';
import { OpeningHoursPanel } from '@/features/shared-bookings/components/opening-hours-panel';

export default function ResourceRoute() {
  const { resourceId = '' } = useParams();
  return (
    <>
      <ResourceDetail key={resourceId} id={resourceId} />
      <OpeningHoursPanel key={`hours-${resourceId}`} resourceId={resourceId} />
    </>
  );
}
