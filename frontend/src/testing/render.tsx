import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router';
import { AppProvider } from '@/app/provider';
import { userFromClaims, type AuthSession } from '@/lib/auth/session';
import { createQueryClient } from '@/lib/query-client';
import { setTokenSource } from '@/lib/api/client';

export function fakeSession(overrides: { roles?: string[]; username?: string; sub?: string } = {}): AuthSession {
  const username = overrides.username ?? 'bob';
  return {
    user: userFromClaims({
      sub: overrides.sub ?? `sub-${username}`,
      preferred_username: username,
      name: username === 'bob' ? 'Bob Member' : username,
      email: `${username}@example.test`,
      realm_access: { roles: overrides.roles ?? [] },
    }),
    getToken: async () => 'test-token',
    renew: async () => true,
    login: async () => undefined,
    logout: async () => undefined,
  };
}

type Options = { path?: string; route?: string; session?: AuthSession; routes?: RouteObject[] };

/** Renders `ui` at `route` inside the app's providers with a fresh query client and fake session. */
export function renderWithApp(ui: ReactNode, { path = '*', route = '/', session = fakeSession(), routes = [] }: Options = {}) {
  setTokenSource(session);
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } });
  const router = createMemoryRouter([{ path, element: ui }, ...routes], { initialEntries: [route] });
  const user = userEvent.setup();
  const result = render(
    <AppProvider session={session} queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...result, user, router, queryClient };
}
