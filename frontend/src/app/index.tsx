import { RouterProvider } from 'react-router';
import { useState } from 'react';
import type { AuthSession } from '@/lib/auth/session';
import { AppProvider } from './provider';
import { createAppRouter } from './router';

export function App({ session }: { session: AuthSession }) {
  const [router] = useState(() => createAppRouter());
  return (
    <AppProvider session={session}>
      <RouterProvider router={router} />
    </AppProvider>
  );
}
