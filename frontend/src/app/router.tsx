import { useTranslation } from 'react-i18next';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { NotFound, RouteError } from '@/components/errors/route-error';
import { useUser } from '@/lib/auth/auth-context';
import { AppLayout, type NavItem } from './layout/app-layout';

function Shell() {
  const { t } = useTranslation();
  const user = useUser();
  const nav: NavItem[] = [{ to: '/', label: t('nav.dashboard'), end: true }];
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
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes);
}
