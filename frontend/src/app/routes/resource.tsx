import { useParams } from 'react-router';
import { ResourceDetail } from '@/features/resources/components/resource-detail';

export default function ResourceRoute() {
  const { resourceId = '' } = useParams();
  return <ResourceDetail key={resourceId} id={resourceId} />;
}
