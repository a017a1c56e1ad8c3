import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { NotificationsList } from '@/features/notifications/components/notifications-list';

export default function NotificationsRoute() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('notifications.title')} />
      <NotificationsList />
    </>
  );
}
