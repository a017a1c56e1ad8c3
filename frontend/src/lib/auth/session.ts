import Keycloak, { type KeycloakConfig } from 'keycloak-js';
import type { Env } from '@/config/env';

/** Who is signed in, read from the access token (never stored outside memory). */
export type User = {
  id: string;
  username: string;
  name: string;
  email: string | undefined;
  roles: string[];
  isPlatformAdmin: boolean;
};

export type AuthSession = {
  user: User;
  /** A valid access token, refreshed first when it expires within `minValidity` seconds. */
  getToken(minValidity?: number): Promise<string>;
  /** Forces a refresh (after a 401); false when the session cannot be renewed. */
  renew(): Promise<boolean>;
  login(): Promise<void>;
  logout(): Promise<void>;
};

type TokenClaims = {
  sub?: string;
  preferred_username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  realm_access?: { roles?: string[] };
};

export const PLATFORM_ADMIN_ROLE = 'platform-admin';

export function userFromClaims(claims: TokenClaims): User {
  const roles = claims.realm_access?.roles ?? [];
  const username = claims.preferred_username ?? claims.sub ?? 'unknown';
  const fullName = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  return {
    id: claims.sub ?? '',
    username,
    name: claims.name ?? (fullName || username),
    email: claims.email,
    roles,
    isPlatformAdmin: roles.includes(PLATFORM_ADMIN_ROLE),
  };
}

/** Keycloak's own issuer shape `<url>/realms/<realm>`; any other issuer goes through discovery. */
export function keycloakConfig(env: Env): KeycloakConfig {
  const match = /^(.*)\/realms\/([^/]+)\/?$/.exec(env.OIDC_ISSUER_URL);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { url: match[1], realm: match[2], clientId: env.OIDC_CLIENT_ID };
  }
  return { oidcProvider: env.OIDC_ISSUER_URL, clientId: env.OIDC_CLIENT_ID };
}

/** Signs in through the browser redirect (Authorization Code + PKCE S256); tokens stay in memory. */
export async function startSession(env: Env): Promise<AuthSession> {
  const keycloak = new Keycloak(keycloakConfig(env));
  await keycloak.init({
    onLoad: 'login-required',
    pkceMethod: 'S256',
    checkLoginIframe: false,
    responseMode: 'fragment',
  });

  const renew = async (): Promise<boolean> => {
    try {
      await keycloak.updateToken(-1);
      return true;
    } catch {
      return false;
    }
  };

  keycloak.onTokenExpired = () => {
    void keycloak.updateToken(30).catch(() => keycloak.login());
  };

  const claims = (keycloak.tokenParsed ?? {}) as TokenClaims;
  return {
    user: userFromClaims(claims),
    async getToken(minValidity = 30) {
      try {
        await keycloak.updateToken(minValidity);
      } catch {
        await keycloak.login();
      }
      return keycloak.token ?? '';
    },
    renew,
    login: () => keycloak.login(),
    logout: () => keycloak.logout({ redirectUri: window.location.origin + '/' }),
  };
}
