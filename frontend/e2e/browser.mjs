// Chromium from the system (never a downloaded browser), driven by playwright-core.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser profile signed in through the identity provider's login page. */
export const openPages = new Set();

export async function signIn(browser, baseUrl, username, password) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  context.on('close', () => openPages.delete(page));
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  openPages.add(page);
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  // The app runs under its Content-Security-Policy: anything it blocks fails the scenario.
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
  const authorizations = [];
  page.on('request', (request) => {
    if (request.url().includes('/protocol/openid-connect/auth?')) authorizations.push(new URL(request.url()));
  });
  await page.goto(`${baseUrl}/`);
  await page.waitForSelector('#kc-form-login');
  if (!authorizations.some((url) => url.searchParams.get('code_challenge_method') === 'S256' && url.searchParams.get('response_type') === 'code')) {
    throw new Error(`the login did not start a code flow with PKCE S256: ${authorizations.join(' ')}`);
  }
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  await page.waitForURL((url) => url.origin === new URL(baseUrl).origin);
  await page.getByRole('link', { name: username, exact: true }).waitFor();
  return { context, page, errors };
}

/** Client-side navigation through the main menu (the backend serves only the app's root). */
export async function openFromMenu(page, label) {
  const link = page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true });
  const href = await link.getAttribute('href');
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
  // By href: on a phone the menu closes after the click, and hidden links leave the role tree.
  await page.locator(`#sidebar a[href="${href}"][aria-current="page"]`).waitFor({ state: 'attached' });
  await page.locator('main h1').first().waitFor();
}

export async function setTheme(page, theme) {
  const current = await page.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await page.getByRole('button', { name: `Switch to ${theme} theme` }).click();
}

export async function screenshot(page, name) {
  // No 'networkidle': the live-updates stream keeps a request open for the whole session.
  await page.locator('[role="status"] .spinner').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 AA rules,
 * colour contrast included), one line each. Evaluated over the DevTools protocol, so the app's
 * Content-Security-Policy stays as strict as in production. */
export async function accessibilityProblems(page) {
  await page.locator('[role="status"] .spinner').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  });
  return violations;
}
