import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { ResourcesView } from '@/features/resources/components/resources-view';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function ResourcesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite();
  return (
    <>
      <PageHeader title={t('resources.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} />
      </div>
      {site ? <ResourcesView site={site} /> : null}
    </>
  );
}
