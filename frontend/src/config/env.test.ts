import { ConfigError, parseEnv } from './env';

describe('runtime configuration', () => {
  it('accepts a complete configuration and trims the trailing slash of the API URL', () => {
    const env = parseEnv({
      API_URL: 'https://api.example.org/api/v1/',
      OIDC_ISSUER_URL: 'https://id.example.org/realms/reservations',
      OIDC_CLIENT_ID: 'reservation-frontend',
    });
    expect(env.API_URL).toBe('https://api.example.org/api/v1');
  });

  it('accepts a same-origin API path', () => {
    expect(
      parseEnv({ API_URL: '/api/v1', OIDC_ISSUER_URL: 'http://localhost:8080/realms/x', OIDC_CLIENT_ID: 'c' }).API_URL,
    ).toBe('/api/v1');
  });

  it('names every missing or malformed value', () => {
    try {
      parseEnv({ API_URL: 'not a url', OIDC_ISSUER_URL: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.join('\n');
      expect(issues).toMatch(/API_URL/);
      expect(issues).toMatch(/OIDC_ISSUER_URL/);
      expect(issues).toMatch(/OIDC_CLIENT_ID/);
    }
  });

  it('explains that config.js was not loaded when window.ENV is absent', () => {
    expect(() => parseEnv(undefined)).toThrow(/config\.js/);
  });
});
