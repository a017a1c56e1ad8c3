import { useParams } from 'react-router';
import { SeriesEditor } from '@/features/series/components/series-editor';

export default function SeriesRoute() {
  const { seriesId = '' } = useParams();
  return <SeriesEditor seriesId={seriesId} />;
}
