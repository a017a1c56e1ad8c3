// Bookings people share: a pool of units booked by quantity, co-users added on the booking form,
// and opening hours that grey the calendar and refuse a booking outside them.
import type { APIRequestContext, Page } from '@playwright/test';
import { accessibilityProblems, expect, openFromMenu, screenshot, setTheme, test } from './fixtures';

const pad = (n: number) => String(n).padStart(2, '0');
/** A date as the English app types it (month/day/year). */
const typed = (day: Date) => `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}`;

function tomorrow(): Date {
  const day = new Date();
  day.setDate(day.getDate() + 1);
  day.setHours(0, 0, 0, 0);
  return day;
}

/** The bearer token the signed-in app sends with its API requests (taken off its own request). */
async function tokenOf(page: Page, open: () => Promise<void>): Promise<string> {
  const request = page.waitForRequest((r) => r.url().includes('/api/v1/') && Boolean(r.headers()['authorization']));
  await open();
  return (await request).headers()['authorization']!;
}

/** A resource type of its own and a resource of it (a site admin's API calls). */
async function createResource(api: APIRequestContext, baseUrl: string, authorization: string, name: string, capacity?: number) {
  const headers = { authorization };
  const type = await api.post(`${baseUrl}/api/v1/sites/demo-lab/resource-types`, {
    headers,
    data: { name: `${name} type`, color: '#0f766e', description: 'Browser test' },
  });
  expect(type.status(), await type.text()).toBe(201);
  const resource = await api.post(`${baseUrl}/api/v1/sites/demo-lab/resources`, {
    headers,
    data: { name, type_id: (await type.json()).id, ...(capacity ? { capacity } : {}) },
  });
  expect(resource.status(), await resource.text()).toBe(201);
  return (await resource.json()).id as string;
}

async function a11y(page: Page, where: string, found: string[]) {
  for (const problem of await accessibilityProblems(page)) found.push(`${where}: ${problem}`);
}

/** The booking form filled for `resource` (no parameters) from `start` to `end` (typed). */
async function fillBooking(page: Page, title: string, resource: string, start: string, end: string) {
  await openFromMenu(page, 'Book');
  const option = page.getByRole('option', { name: new RegExp(`(^|└ )${resource}$`) });
  await option.waitFor({ state: 'attached' });
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel(/^Resource/).selectOption((await option.getAttribute('value')) ?? '');
  await page.getByLabel(/^Start/).fill(start);
  await page.getByLabel(/^End/).fill(end);
}

async function addCoUser(page: Page, who: string, role?: 'Attendee' | 'Co-manager (may extend or cancel)') {
  await page.getByRole('button', { name: 'Add a co-user' }).click();
  const field = page.getByTestId('co-users-field');
  await field.getByLabel(/^Username or e-mail/).last().fill(who);
  if (role) await field.getByLabel(/^Role/).last().selectOption({ label: role });
}

/** The calendar's day view of `day` for one resource (the grid opens on today). */
async function calendarDay(page: Page, resource: string, day: Date) {
  await openFromMenu(page, 'Calendar');
  await page.getByLabel(/^Resource/).selectOption({ label: resource });
  await page.getByRole('button', { name: 'Day', exact: true }).click();
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  for (let n = 0; n < Math.round((day.getTime() - today.getTime()) / 86_400_000); n += 1) {
    await page.getByRole('button', { name: /Next/ }).click();
  }
  await expect(page.locator('#calendar-range')).toContainText(new Intl.DateTimeFormat('en', { dateStyle: 'full' }).format(day));
}

test('bob books 3 units of a pool and shares it on the booking form; alice, his co-user, sees it and takes the last free unit', async ({
  signIn,
  stack,
}) => {
  const suffix = Date.now().toString(36);
  const pool = `E2E GPU pool ${suffix}`;
  const title = `E2E team run ${suffix}`;
  const day = tomorrow();
  const problems: string[] = [];

  const alice = await signIn('alice', 'alice');
  const authorization = await tokenOf(alice.page, () => openFromMenu(alice.page, 'My reservations'));
  await createResource(alice.context.request, stack.baseUrl, authorization, pool, 4);

  const bob = await signIn('bob', 'bob');
  await fillBooking(bob.page, title, pool, `${typed(day)}, 10:00`, `${typed(day)}, 12:00`);
  // A pool: how many units, and how many are free over the period.
  await bob.page.getByLabel(/^Quantity/).fill('3');
  await expect(bob.page.getByText('At least 4 of 4 units free over this period')).toBeVisible();
  // Co-users on the form: alice, and carol who is no member of the site.
  await addCoUser(bob.page, 'alice');
  await addCoUser(bob.page, 'carol', 'Co-manager (may extend or cancel)');
  await screenshot(bob.page, 'shared-booking-form-co-users-light');
  await a11y(bob.page, 'booking form with co-users', problems);
  await bob.page.getByRole('button', { name: 'Book', exact: true }).click();

  // Booked, shared with alice; carol is named with the server's reason, back in the field.
  await bob.page.getByRole('heading', { name: title }).waitFor();
  // One toast, saying more than the live notification of the booking.
  // (Only this booking's toasts count: one of bob's demo bookings may start meanwhile.)
  const toasts = bob.page.locator('.toast').filter({ hasText: new RegExp(`Booked, but not shared|Booked and shared|${title}`) });
  await expect(toasts).toHaveCount(1);
  await expect(toasts).toContainText('Booked, but not shared with everyone: see below.');
  const notShared = bob.page.getByTestId('not-shared');
  await expect(notShared).toContainText("carol — 'carol' is not a member of this reservation's site.");
  const coUsers = bob.page.getByRole('region', { name: 'Shared with' });
  await expect(coUsers.getByText(/^alice.* · Attendee$/)).toBeVisible();
  const who = coUsers.getByLabel(/^Username or e-mail/);
  await expect(who).toHaveValue('carol');
  await expect(who).toHaveAttribute('aria-invalid', 'true');
  await expect(coUsers.locator('.field-error')).toContainText('is not a member');
  await expect(bob.page.locator('dl.details dd').filter({ hasText: /^3$/ })).toHaveCount(1);
  await screenshot(bob.page, 'shared-reservation-not-shared-light');
  await a11y(bob.page, 'reservation page', problems);

  // alice, the co-user, finds it among hers.
  await openFromMenu(alice.page, 'My reservations');
  await alice.page.getByRole('tab', { name: /Upcoming/ }).click();
  const row = alice.page.getByTestId('reservation-row').filter({ hasText: title });
  await expect(row).toBeVisible();
  await screenshot(alice.page, 'shared-co-user-my-reservations-light');

  // The free units have dropped: one left for alice's booking of the same hour.
  await fillBooking(alice.page, `E2E last unit ${suffix}`, pool, `${typed(day)}, 11:00`, `${typed(day)}, 12:00`);
  await expect(alice.page.getByText('At least 1 of 4 units free over this period')).toBeVisible();
  await alice.page.getByLabel(/^Quantity/).fill('2');
  await expect(alice.page.getByRole('status').filter({ hasText: 'Not enough free units' })).toBeVisible();
  await alice.page.getByLabel(/^Quantity/).fill('1');
  await alice.page.getByRole('button', { name: 'Book', exact: true }).click();
  await alice.page.getByRole('heading', { name: 'My reservations' }).waitFor();

  // The calendar: the pool's free units over the day, the two bookings side by side.
  await calendarDay(alice.page, pool, day);
  await expect(alice.page.getByTestId('availability-legend')).toContainText(`${pool} lends 4 units`);
  const strip = alice.page.getByTestId('free-units');
  await expect(strip.getByRole('img', { name: /^1 of 4 free: / })).toBeVisible();
  await expect(strip.getByRole('img', { name: /^0 of 4 free: / })).toBeVisible();
  const events = alice.page.getByTestId('calendar-event');
  await expect(events).toHaveCount(2);
  const [first, second] = [await events.nth(0).boundingBox(), await events.nth(1).boundingBox()];
  expect(first && second, 'both bookings are drawn').toBeTruthy();
  const [left, right] = first!.x <= second!.x ? [first!, second!] : [second!, first!];
  expect(left.x + left.width, 'overlapping bookings do not cover each other').toBeLessThanOrEqual(right.x + 1);
  await expect(events.filter({ hasText: title })).toContainText('3 units');
  await alice.page.getByTestId('time-grid').evaluate((grid) => (grid.scrollTop = 9 * 40));
  await screenshot(alice.page, 'shared-calendar-pool-light');
  await a11y(alice.page, 'calendar with a pool (light)', problems);
  await setTheme(alice.page, 'dark');
  await screenshot(alice.page, 'shared-calendar-pool-dark');
  await a11y(alice.page, 'calendar with a pool (dark)', problems);
  await alice.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(alice.page, 'shared-calendar-pool-phone-dark');
  await alice.page.setViewportSize({ width: 1280, height: 860 });
  await setTheme(alice.page, 'light');

  expect(problems, `accessibility problems:\n${problems.join('\n')}`).toEqual([]);
  expect(bob.errors).toEqual([]);
  expect(alice.errors).toEqual([]);
});

test('a resource with opening hours shows them, the calendar greys its closed hours, and a booking outside them is refused naming the rule', async ({
  signIn,
  stack,
}) => {
  const suffix = Date.now().toString(36);
  const bench = `E2E lab bench ${suffix}`;
  const day = tomorrow();
  const problems: string[] = [];

  const alice = await signIn('alice', 'alice');
  const authorization = await tokenOf(alice.page, () => openFromMenu(alice.page, 'My reservations'));
  const api = alice.context.request;
  const benchId = await createResource(api, stack.baseUrl, authorization, bench);
  const hours = await api.put(`${stack.baseUrl}/api/v1/sites/demo-lab/opening-hours`, {
    headers: { authorization },
    data: {
      resource_id: benchId,
      weekly: Array.from({ length: 7 }, (_, weekday) => ({ weekday, opens: '09:00', closes: '17:00' })),
      exceptions: [],
    },
  });
  expect(hours.ok(), await hours.text()).toBe(true);
  await alice.context.close();

  const bob = await signIn('bob', 'bob');
  // The resource's page lists its hours.
  await openFromMenu(bob.page, 'Resources');
  await bob.page.getByLabel('Search resources').fill(bench);
  await bob.page.getByRole('link', { name: bench }).first().click();
  const panel = bob.page.getByRole('region', { name: 'Opening hours' });
  await expect(panel).toContainText('Monday 09:00–17:00');
  await expect(panel).toContainText('Times in UTC');
  await screenshot(bob.page, 'shared-resource-opening-hours-light');
  await a11y(bob.page, 'resource page with opening hours', problems);

  // The calendar greys what is closed: before 09:00 and after 17:00.
  await calendarDay(bob.page, bench, day);
  await expect(bob.page.getByTestId('availability-legend')).toContainText(
    `Grey hours: ${bench} is closed (the resource's opening hours, UTC).`,
  );
  const closed = bob.page.getByTestId('closed-band');
  await expect(closed).toHaveCount(2);
  const grid = bob.page.getByTestId('time-grid');
  const top = (await grid.boundingBox())!.y;
  await grid.evaluate((el) => (el.scrollTop = 0));
  const morning = (await closed.nth(0).boundingBox())!;
  // 00:00 to 09:00 at 40 px an hour.
  expect(Math.round(morning.height)).toBe(9 * 40);
  expect(Math.round(morning.y - top)).toBeLessThanOrEqual(60);
  await grid.evaluate((el) => (el.scrollTop = 6 * 40));
  await screenshot(bob.page, 'shared-calendar-closed-hours-light');
  await a11y(bob.page, 'calendar with closed hours (light)', problems);
  await setTheme(bob.page, 'dark');
  await screenshot(bob.page, 'shared-calendar-closed-hours-dark');
  await a11y(bob.page, 'calendar with closed hours (dark)', problems);
  await setTheme(bob.page, 'light');

  // A booking at 07:00 is refused, naming whose hours and what they are that day.
  await fillBooking(bob.page, `E2E too early ${suffix}`, bench, `${typed(day)}, 07:00`, `${typed(day)}, 08:00`);
  await bob.page.getByRole('button', { name: 'Book', exact: true }).click();
  const alert = bob.page.getByTestId('booking-error');
  await expect(alert).toContainText('Outside the opening hours');
  await expect(alert).toContainText("Bookable only during the resource's opening hours (UTC):");
  await expect(alert).toContainText('09:00-17:00');
  await expect(bob.page.getByLabel(/^Start/)).toHaveAttribute('aria-invalid', 'true');
  // Only a site admin may book outside them.
  await expect(bob.page.getByLabel(/Book outside the opening hours anyway/)).toHaveCount(0);
  await screenshot(bob.page, 'shared-outside-opening-hours-light');
  await a11y(bob.page, 'refusal outside the opening hours', problems);

  // The same in Italian, and the calendar on a phone.
  await bob.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  await bob.page.getByRole('button', { name: 'Prenota', exact: true }).click();
  await expect(alert).toContainText("Fuori dall'orario di apertura");
  await expect(alert).toContainText("Prenotabile solo durante l'orario della risorsa (UTC):");
  await screenshot(bob.page, 'shared-outside-opening-hours-it-light');
  // Back to the calendar as it was (the same resource and day), in Italian on a phone.
  await bob.page.goBack();
  await expect(bob.page.getByTestId('closed-band')).toHaveCount(2);
  await expect(bob.page.getByTestId('availability-legend')).toContainText(`Ore in grigio: ${bench} è chiusa (orario della risorsa, UTC).`);
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await bob.page.getByTestId('time-grid').evaluate((el) => (el.scrollTop = 6 * 40));
  await screenshot(bob.page, 'shared-calendar-closed-hours-it-phone-light');
  await a11y(bob.page, 'calendar with closed hours (Italian, phone)', problems);

  expect(problems, `accessibility problems:\n${problems.join('\n')}`).toEqual([]);
  expect(bob.errors).toEqual([]);
});
