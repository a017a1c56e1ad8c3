import type { Page } from '@playwright/test';
import { expect, openFromMenu, screenshot, test } from './fixtures';

const pad = (n: number) => String(n).padStart(2, '0');
/** A date as the English app types it (month/day/year). */
const typed = (day: Date) => `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}`;

/** The bearer token the signed-in app sends with its API requests (taken off its own request). */
async function tokenOf(page: Page, open: () => Promise<void>): Promise<string> {
  const request = page.waitForRequest((r) => r.url().includes('/api/v1/') && Boolean(r.headers()['authorization']));
  await open();
  return (await request).headers()['authorization']!;
}

async function book(page: Page, title: string, resource: string, start: string, end: string) {
  await openFromMenu(page, 'Book');
  const option = page.getByRole('option', { name: new RegExp(`(^|└ )${resource.replace(/[/]/g, '\\/')}$`) });
  await option.waitFor({ state: 'attached' });
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel(/^Resource/).selectOption((await option.getAttribute('value')) ?? '');
  await page.getByLabel(/^VLAN/).fill('300');
  await page.getByLabel(/^Start/).fill(start);
  await page.getByLabel(/^End/).fill(end);
  await page.getByRole('button', { name: 'Book', exact: true }).click();
}

test('alice meets a taken period, waits for it with her place in line, and leaves the line', async ({ signIn }) => {
  const day = new Date();
  day.setDate(day.getDate() + 20 + Math.floor(Math.random() * 300));
  const [start, end] = [`${typed(day)}, 15:00`, `${typed(day)}, 16:00`];
  const bob = await signIn('bob', 'bob');
  await book(bob.page, 'E2E held port', 'Gi1/0/1', start, end);
  await bob.page.getByRole('heading', { name: 'My reservations' }).waitFor();

  const alice = await signIn('alice', 'alice');
  await book(alice.page, 'E2E waiting', 'Gi1/0/1', start, end);
  const alert = alice.page.getByTestId('booking-error');
  await expect(alert).toContainText('The slot is taken');
  await alert.getByRole('button', { name: 'Wait for this period' }).click();
  const joined = alice.page.getByTestId('waitlist-joined');
  await expect(joined).toContainText('Position in line: 1');
  await screenshot(alice.page, 'alice-waitlist-joined-light');
  // The line is hers on My reservations too.
  await openFromMenu(alice.page, 'My reservations');
  const row = alice.page.getByTestId('waitlist-row').filter({ hasText: 'E2E waiting' });
  await expect(row).toContainText('Position in line: 1');
  await row.getByRole('button', { name: 'Leave the line' }).click();
  const leaving = alice.page.getByRole('dialog', { name: /^Leave the line for “E2E waiting/ });
  await expect(leaving.getByRole('button', { name: 'Back' })).toBeFocused();
  await leaving.getByRole('button', { name: 'Leave the line' }).click();
  await expect(row).toHaveCount(0);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
});

test('a maintenance window shows on the calendar with its reason, and refuses a booking', async ({ signIn, stack }) => {
  const alice = await signIn('alice', 'alice');
  const authorization = await tokenOf(alice.page, () => openFromMenu(alice.page, 'Calendar'));
  const api = alice.context.request;
  const headers = { authorization };
  const resources = await api.get(`${stack.baseUrl}/api/v1/sites/demo-lab/resources?size=100`, { headers });
  expect(resources.status()).toBe(200);
  const port = ((await resources.json()).items as { id: string; name: string }[]).find((r) => r.name === 'Gi1/0/1')!;
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(2, 0, 0, 0);
  const windowEnd = new Date(tomorrow.getTime() + 3 * 3_600_000);
  const created = await api.post(`${stack.baseUrl}/api/v1/sites/demo-lab/blackouts`, {
    headers,
    data: { resource_id: port.id, scope: 'resource', reason: 'E2E power work', start: tomorrow.toISOString(), end: windowEnd.toISOString() },
  });
  expect(created.status(), await created.text()).toBe(201);

  // Tomorrow in the day view: the legend names it, a band covers its hours.
  await alice.page.getByRole('button', { name: 'Day', exact: true }).click();
  await alice.page.getByRole('button', { name: /Next/ }).click();
  const legend = alice.page.getByTestId('blackout-list');
  await expect(legend).toContainText('E2E power work');
  await expect(legend).toContainText('Gi1/0/1');
  const band = alice.page.getByTestId('blackout-band').filter({ hasText: 'E2E power work' });
  await expect(band).toBeVisible();
  await screenshot(alice.page, 'alice-calendar-maintenance-light');

  // Nothing can be booked in it.
  await book(alice.page, 'E2E in maintenance', 'Gi1/0/1', `${typed(tomorrow)}, 03:00`, `${typed(tomorrow)}, 04:00`);
  await expect(alice.page.getByTestId('booking-error')).toBeVisible();
  await expect(alice.page.getByTestId('booking-error')).toContainText('The resource is under maintenance then');
  await expect(alice.page.getByTestId('booking-error')).toContainText('E2E power work');
  expect(alice.errors).toEqual([]);
});
