import { useTranslation } from 'react-i18next';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { NotFound, RouteError } from '@/components/errors/route-error';
import { Spinner } from '@/components/ui/spinner';
import { useUser } from '@/lib/auth/auth-context';
import { useSites } from '@/features/sites/api/get-sites';
import { NotificationBell } from '@/features/notifications/components/notification-bell';
import { AppLayout, type NavItem } from './layout/app-layout';

function Shell() {
  const { t } = useTranslation();
  const user = useUser();
  const nav: NavItem[] = [
    { to: '/', label: t('nav.dashboard'), end: true },
    { to: '/calendar', label: t('nav.calendar') },
    { to: '/resources', label: t('nav.resources') },
    { to: '/book', label: t('nav.book') },
    { to: '/find', label: t('nav.find') },
    { to: '/reservations', label: t('nav.reservations') },
    { to: '/notifications', label: t('nav.notifications') },
    { to: '/profile', label: t('nav.profile') },
  ];
  const sites = useSites();
  const administers = user.isPlatformAdmin || (sites.data?.items ?? []).some((site) => site.my_role === 'site-admin');
  const adminNav: NavItem[] = administers
    ? [
        { to: '/admin/sites', label: t('nav.sites') },
        { to: '/admin/resource-types', label: t('nav.resourceTypes') },
        { to: '/admin/resources', label: t('nav.adminResources') },
        { to: '/admin/approvals', label: t('nav.approvals') },
        { to: '/admin/webhooks', label: t('nav.webhooks') },
        { to: '/admin/audit', label: t('nav.audit') },
      ]
    : [];
  return <AppLayout nav={nav} adminNav={adminNav} headerExtra={<NotificationBell />} />;
}

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <Shell />,
    errorElement: <RouteError />,
    // Shown while the first page's lazy code loads (the routes are code-split).
    hydrateFallbackElement: <Spinner />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, lazy: () => import('./routes/dashboard').then((m) => ({ Component: m.default })) },
          { path: 'calendar', lazy: () => import('./routes/calendar').then((m) => ({ Component: m.default })) },
          { path: 'resources', lazy: () => import('./routes/resources').then((m) => ({ Component: m.default })) },
          { path: 'resources/:resourceId', lazy: () => import('./routes/resource').then((m) => ({ Component: m.default })) },
          { path: 'book', lazy: () => import('./routes/book').then((m) => ({ Component: m.default })) },
          { path: 'find', lazy: () => import('./routes/find').then((m) => ({ Component: m.default })) },
          { path: 'reservations', lazy: () => import('./routes/reservations').then((m) => ({ Component: m.default })) },
          { path: 'reservations/:reservationId', lazy: () => import('./routes/reservation').then((m) => ({ Component: m.default })) },
          { path: 'series/:seriesId', lazy: () => import('./routes/series').then((m) => ({ Component: m.default })) },
          { path: 'notifications', lazy: () => import('./routes/notifications').then((m) => ({ Component: m.default })) },
          { path: 'profile', lazy: () => import('./routes/profile').then((m) => ({ Component: m.default })) },
          { path: 'admin/sites', lazy: () => import('./routes/admin/sites').then((m) => ({ Component: m.default })) },
          { path: 'admin/resource-types', lazy: () => import('./routes/admin/resource-types').then((m) => ({ Component: m.default })) },
          { path: 'admin/resources', lazy: () => import('./routes/admin/resources').then((m) => ({ Component: m.default })) },
          { path: 'admin/approvals', lazy: () => import('./routes/admin/approvals').then((m) => ({ Component: m.default })) },
          { path: 'admin/audit', lazy: () => import('./routes/admin/audit').then((m) => ({ Component: m.default })) },
          { path: 'admin/webhooks', lazy: () => import('./routes/admin/webhooks').then((m) => ({ Component: m.default })) },
          { path: 'admin/webhooks/:webhookId', lazy: () => import('./routes/admin/webhook').then((m) => ({ Component: m.default })) },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
