import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { FindFreeResources } from '@/features/find/components/find-free-resources';

export default function FindRoute() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('find.title')} />
      <FindFreeResources />
    </>
  );
}
