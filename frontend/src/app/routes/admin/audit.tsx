import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { AuditLog } from '@/features/audit/components/audit-log';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function AuditRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite({ adminOnly: true, allowAll: true });
  return (
    <>
      <PageHeader title={t('audit.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} adminOnly allowAll />
      </div>
      <AuditLog site={site} />
    </>
  );
}
