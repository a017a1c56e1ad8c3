import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { ResourceTypesAdmin } from '@/features/resource-types/components/resource-types-admin';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function ResourceTypesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite({ adminOnly: true });
  return (
    <>
      <PageHeader title={t('nav.resourceTypes')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} adminOnly />
      </div>
      {site ? <ResourceTypesAdmin site={site} /> : null}
    </>
  );
}
