import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/ui/page-header';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';
import { WebhooksList } from '@/features/webhooks/components/webhooks-list';

export default function WebhooksRoute() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [site, setSite] = useSelectedSite({ adminOnly: true });
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
