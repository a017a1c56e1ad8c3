import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { SitesAdmin } from '@/features/sites/components/sites-admin';
import { useSearchParam } from '@/lib/use-search-param';

export default function SitesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSearchParam('site');
  return (
    <>
      <PageHeader title={t('nav.sites')} />
      <SitesAdmin site={site} onSiteChange={setSite} />
    </>
  );
}
