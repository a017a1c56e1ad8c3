// What every browser test imports instead of '@playwright/test': `test` with the platform
// started by global-setup.ts, a sign-in through the identity provider's real login page and a
// loopback webhook receiver, plus helpers for the menu, the theme, screenshots and axe-core.
//
//   import { expect, test } from './fixtures';
//   test('bob sees his bookings', async ({ signIn }) => {
//     const bob = await signIn('bob', 'bob');
//     await openFromMenu(bob.page, 'My reservations');
//     ...
//     expect(bob.errors).toEqual([]);
//   });
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { startReceiver } from './receiver';
import type { Receiver } from './receiver';
import type { Demo } from './stack';

export { expect };

/** The scenarios' screenshots (light, dark, Italian, phone) for people to look at. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Page errors, CSP refusals, React Router warnings and 404s from the app's origin. */
  errors: string[];
}

interface Fixtures {
  /** Signs a fresh browser profile in through the identity provider's login page. */
  signIn: (username: string, password: string) => Promise<Session>;
  /** A webhook endpoint on loopback that records what it receives and answers 200. */
  receiver: Receiver;
}

interface WorkerFixtures {
  stack: { baseUrl: string; demo: Demo | null };
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  stack: [
    async ({}, use) => {
      const baseUrl = process.env.E2E_STACK_URL;
      if (!baseUrl) throw new Error('E2E_STACK_URL is not set: run the browser tests through playwright.config.ts');
      mkdirSync(ARTIFACTS, { recursive: true });
      await use({ baseUrl, demo: JSON.parse(process.env.E2E_DEMO ?? 'null') as Demo | null });
    },
    { scope: 'worker' },
  ],

  receiver: async ({}, use) => {
    const receiver = await startReceiver(process.env.E2E_RECEIVER_HOST ?? '127.0.0.1');
    await use(receiver);
    await receiver.close();
  },

  signIn: async ({ browser, stack }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (username, password) => {
      const { baseUrl } = stack;
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
      contexts.push(context);
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      // The app runs under its Content-Security-Policy: anything it blocks fails the test.
      page.on('console', (message) => {
        if (/Content[- ]Security[- ]Policy/i.test(message.text())) errors.push(`CSP: ${message.text()}`);
        // React Router's warnings (e.g. a missing HydrateFallback) mean a mis-configured route.
        if (message.type() === 'warning' && /react router|HydrateFallback/i.test(message.text())) errors.push(`warning: ${message.text()}`);
      });
      // Every request the app makes to its own origin must succeed (a missing favicon included).
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.origin === new URL(baseUrl).origin && response.status() === 404) errors.push(`404: ${url.pathname}`);
      });
      // keycloak-js must start the code flow with PKCE S256, whichever identity provider runs.
      const authorizations: URL[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/protocol/openid-connect/auth?')) authorizations.push(new URL(request.url()));
      });
      await page.goto(`${baseUrl}/`);
      await page.locator('#kc-form-login').waitFor();
      expect(
        authorizations.some((url) => url.searchParams.get('code_challenge_method') === 'S256' && url.searchParams.get('response_type') === 'code'),
        `the login did not start a code flow with PKCE S256: ${authorizations.join(' ')}`,
      ).toBe(true);
      await page.fill('#username', username);
      await page.fill('#password', password);
      await page.click('#kc-login');
      await page.waitForURL((url) => url.origin === new URL(baseUrl).origin);
      await page.getByRole('link', { name: username, exact: true }).waitFor();
      return { context, page, errors };
    });
    for (const context of contexts) await context.close().catch(() => undefined);
  },
});

/** Client-side navigation through the main menu (the backend serves only the app's root). */
export async function openFromMenu(page: Page, label: string) {
  const link = page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true });
  const href = await link.getAttribute('href');
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
  // By href: on a phone the menu closes after the click, and hidden links leave the role tree.
  await page.locator(`#sidebar a[href="${href}"][aria-current="page"]`).waitFor({ state: 'attached' });
  await page.locator('main h1').first().waitFor();
}

export async function setTheme(page: Page, theme: 'light' | 'dark') {
  const current = await page.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await page.getByRole('button', { name: `Switch to ${theme} theme` }).click();
}

async function settled(page: Page) {
  // No 'networkidle': the live-updates stream keeps a request open for the whole session.
  await page.locator('[role="status"] .spinner').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
}

export async function screenshot(page: Page, name: string) {
  await settled(page);
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeWindow {
  axe?: {
    run: (
      context: Document,
      options: object,
    ) => Promise<{ violations: { id: string; impact?: string | null; nodes: { target: string[] }[] }[] }>;
  };
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 AA rules,
 * colour contrast included), one line each. Evaluated over the DevTools protocol, so the app's
 * Content-Security-Policy stays as strict as in production. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await settled(page);
  if (!(await page.evaluate(() => typeof (window as AxeWindow).axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as AxeWindow).axe;
    if (!axe) return ['axe-core did not load'];
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
}
