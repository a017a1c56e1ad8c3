// Browser tests (@playwright/test) against the real platform in dev mode, driven in the system's
// Chromium (never a downloaded browser). `make -C frontend e2e` runs them with the test realm,
// `make -C frontend e2e-keycloak` (E2E_IDP=keycloak) with real Keycloak.
import { defineConfig } from '@playwright/test';

const idp = process.env.E2E_IDP ?? 'testrealm';

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  // One platform for the run and a 2-core machine shared with other suites: one worker, in order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  // A scenario signs in through the identity provider's pages, often several users.
  timeout: 300_000,
  expect: { timeout: 15_000 },
  // Traces, screenshots and the report of a failed test; the scenarios' own screenshots go to
  // artifacts/ directly.
  outputDir: `./artifacts/results-${idp}`,
  reporter: [['list'], ['html', { open: 'never', outputFolder: `./artifacts/report-${idp}` }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
