import { createContext, useContext, type ReactNode } from 'react';
import type { AuthSession, User } from './session';

const AuthContext = createContext<AuthSession | null>(null);

export function AuthProvider({ session, children }: { session: AuthSession; children: ReactNode }) {
  return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthSession {
  const session = useContext(AuthContext);
  if (!session) throw new Error('useAuth outside AuthProvider');
  return session;
}

export function useUser(): User {
  return useAuth().user;
}
