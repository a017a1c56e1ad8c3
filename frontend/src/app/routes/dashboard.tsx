import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';

export default function DashboardRoute() {
  const { t } = useTranslation();
  return <PageHeader title={t('dashboard.title')} />;
}
