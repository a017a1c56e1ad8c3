import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { ResourcesView } from '@/features/resources/components/resources-view';
import { SiteSelect } from '@/features/sites/components/site-select';
import { useSearchParam } from '@/lib/use-search-param';

export default function ResourcesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSearchParam('site');
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
