import { useParams, useSearchParams } from 'react-router';
import { WebhookDetail } from '@/features/webhooks/components/webhook-detail';

export default function WebhookRoute() {
  const { webhookId = '' } = useParams();
  const [params] = useSearchParams();
  return <WebhookDetail site={params.get('site') ?? ''} id={webhookId} />;
}
