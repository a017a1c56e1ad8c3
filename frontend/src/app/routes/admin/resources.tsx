import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { NewResourceDialog } from '@/features/resources/components/new-resource-dialog';
import { ResourcesView } from '@/features/resources/components/resources-view';
import { SiteSelect, useSelectedSite } from '@/features/sites/components/site-select';

export default function AdminResourcesRoute() {
  const { t } = useTranslation();
  const [site, setSite] = useSelectedSite({ adminOnly: true });
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title={t('nav.adminResources')}
        actions={
          site ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              {t('admin.newResource')}
            </Button>
          ) : null
        }
      />
      <div className="toolbar">
        <SiteSelect value={site} onChange={setSite} adminOnly />
      </div>
      {site ? <ResourcesView site={site} manage /> : null}
      {creating && site ? <NewResourceDialog site={site} onClose={() => setCreating(false)} /> : null}
    </>
  );
}
