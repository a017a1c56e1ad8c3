import { keycloakConfig, userFromClaims } from './session';

describe('session helpers', () => {
  it('derives the Keycloak server URL and realm from the issuer', () => {
    expect(
      keycloakConfig({ API_URL: '/api/v1', OIDC_ISSUER_URL: 'http://localhost:8080/realms/reservations', OIDC_CLIENT_ID: 'fe' }),
    ).toEqual({ url: 'http://localhost:8080', realm: 'reservations', clientId: 'fe' });
  });

  it('falls back to discovery for an issuer of another shape', () => {
    expect(
      keycloakConfig({ API_URL: '/api/v1', OIDC_ISSUER_URL: 'https://id.example.org/oidc', OIDC_CLIENT_ID: 'fe' }),
    ).toEqual({ oidcProvider: 'https://id.example.org/oidc', clientId: 'fe' });
  });

  it('reads the platform role from realm_access', () => {
    const admin = userFromClaims({ sub: '1', preferred_username: 'admin', realm_access: { roles: ['platform-admin'] } });
    const bob = userFromClaims({ sub: '2', preferred_username: 'bob', given_name: 'Bob', family_name: 'B' });
    expect(admin.isPlatformAdmin).toBe(true);
    expect(bob.isPlatformAdmin).toBe(false);
    expect(bob.name).toBe('Bob B');
  });
});
