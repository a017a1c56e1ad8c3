import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { ResourceTypesAdmin } from '@/features/resource-types/components/resource-types-admin';
import { SiteSelect } from '@/features/sites/components/site-select';
import { useSearchParam } from '@/lib/use-search-param';

export default function ResourceTypesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSearchParam('site');
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
