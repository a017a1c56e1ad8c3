import { contentSecurityPolicy } from './csp';

const IDP = 'https://id.example.org';

describe('contentSecurityPolicy', () => {
  it('is the policy nginx and the backend send, for the same origins', () => {
    // The same string as tests/deploy (nginx) and reservation-be (dev mode) expect.
    expect(contentSecurityPolicy({ connect: ['https://api.example.org', IDP], frame: [IDP] })).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self' https://api.example.org https://id.example.org; frame-src https://id.example.org; " +
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    );
  });

  it('allows no inline script or style outside the dev server', () => {
    const policy = contentSecurityPolicy({ connect: [IDP], frame: [IDP] });
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("frame-src https://id.example.org");
  });

  it('relaxes only what the Vite dev server needs', () => {
    const policy = contentSecurityPolicy({ connect: [IDP], frame: [IDP], dev: true });
    expect(policy).toContain("script-src 'self' 'unsafe-inline'");
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).toContain("connect-src 'self' https://id.example.org ws:");
    expect(policy).not.toContain('unsafe-eval');
  });

  it('frames nothing when no identity provider is named', () => {
    expect(contentSecurityPolicy()).toContain("frame-src 'none'");
  });
});
