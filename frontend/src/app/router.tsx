import { useTranslation } from 'react-i18next';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { NotFound, RouteError } from '@/components/errors/route-error';
import { useUser } from '@/lib/auth/auth-context';
import { AppLayout, type NavItem } from './layout/app-layout';

function Shell() {
  const { t } = useTranslation();
  const user = useUser();
  const nav: NavItem[] = [
    { to: '/', label: t('nav.dashboard'), end: true },
    { to: '/resources', label: t('nav.resources') },
    { to: '/book', label: t('nav.book') },
    { to: '/reservations', label: t('nav.reservations') },
  ];
  const adminNav: NavItem[] = user.isPlatformAdmin ? [] : [];
  return <AppLayout nav={nav} adminNav={adminNav} />;
}

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <Shell />,
    errorElement: <RouteError />,
    children: [
      {
        errorElement: <RouteError />,
        children: [
          { index: true, lazy: () => import('./routes/dashboard').then((m) => ({ Component: m.default })) },
          { path: 'resources', lazy: () => import('./routes/resources').then((m) => ({ Component: m.default })) },
          { path: 'resources/:resourceId', lazy: () => import('./routes/resource').then((m) => ({ Component: m.default })) },
          { path: 'book', lazy: () => import('./routes/book').then((m) => ({ Component: m.default })) },
          { path: 'reservations', lazy: () => import('./routes/reservations').then((m) => ({ Component: m.default })) },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
