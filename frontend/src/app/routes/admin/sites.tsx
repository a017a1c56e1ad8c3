import { useSelectedSite } from '@/features/sites/components/site-select';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { SitesAdmin } from '@/features/sites/components/sites-admin';

export default function SitesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite({ adminOnly: true });
  return (
    <>
      <PageHeader title={t('nav.sites')} />
      <SitesAdmin site={site} onSiteChange={setSite} />
    </>
  );
}
