import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { Dashboard } from '@/features/dashboard/components/dashboard';
import { useSites } from '@/features/sites/api/get-sites';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';
import { useUser } from '@/lib/auth/auth-context';

export default function DashboardRoute() {
  const { t } = useTranslation();
  const user = useUser();
  const [site, setSite] = useSelectedSite();
  const sites = useSites();
  const isAdmin = user.isPlatformAdmin || sites.data?.items.find((s) => s.id === site)?.my_role === 'site-admin';
  return (
    <>
      <PageHeader title={t('dashboard.title')} />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} />
      </div>
      {site ? <Dashboard site={site} isAdmin={isAdmin} /> : null}
    </>
  );
}
