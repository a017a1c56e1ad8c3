import { useTranslation } from 'react-i18next';
import { PageHeader } from '@/components/ui/page-header';
import { NotificationSettings } from '@/features/notification-settings/components/notification-settings';
import { ProfileView } from '@/features/profile/components/profile-view';

export default function ProfileRoute() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t('profile.title')} />
      <ProfileView />
      <NotificationSettings />
    </>
  );
}
