import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { ApprovalsQueue } from '@/features/approvals/components/approvals-queue';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function ApprovalsRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite({ adminOnly: true });
  return (
    <>
      <PageHeader title={t('admin.approvalsTitle')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} adminOnly />
      </div>
      {site ? <ApprovalsQueue site={site} /> : null}
    </>
  );
}
