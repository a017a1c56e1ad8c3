import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { SiteSelect } from '@/features/sites/components/site-select';
import { WebhooksList } from '@/features/webhooks/components/webhooks-list';
import { useSearchParam } from '@/lib/use-search-param';

export default function WebhooksRoute() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [site, setSite] = useSearchParam('site');
  return (
    <>
      <PageHeader title={t('webhooks.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} adminOnly />
      </div>
      {site ? <WebhooksList site={site} onOpen={(id) => navigate(`/admin/webhooks/${id}?site=${site}`)} /> : null}
    </>
  );
}
