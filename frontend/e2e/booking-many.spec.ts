// Booking many at once: a weekly series booked, changed and cancelled from its series page, and
// the Find page booking N resources together (and units of a pool).
import type { Page } from '@playwright/test';
import { accessibilityProblems, expect, openFromMenu, screenshot, setTheme, test } from './fixtures';

const pad = (n: number) => String(n).padStart(2, '0');

/** A day 40-300 days ahead, as the English booking form takes it (month/day/year). */
function farDay(offset = 0): Date {
  const day = new Date();
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() + 40 + Math.floor(Math.random() * 260) + offset);
  return day;
}
const typed = (day: Date, time: string) => `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}, ${time}`;
const plusDays = (day: Date, days: number) => new Date(day.getFullYear(), day.getMonth(), day.getDate() + days);

async function startBooking(page: Page, title: string, resource: string, day: Date, from: string, to: string) {
  await openFromMenu(page, 'Book');
  const option = page.getByRole('option', { name: new RegExp(`(^|└ )${resource}$`) });
  await option.waitFor({ state: 'attached' });
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel(/^Resource/).selectOption((await option.getAttribute('value')) ?? '');
  await page.getByLabel(/^Start/).fill(typed(day, from));
  await page.getByLabel(/^End/).fill(typed(day, to));
}

test('bob books a weekly series, changes the following occurrences, meets a refused occurrence and cancels the series', async ({ signIn }) => {
  const first = farDay();
  const bob = await signIn('bob', 'bob');
  await startBooking(bob.page, 'E2E weekly lab', 'server-04', first, '10:00', '11:00');
  await bob.page.getByLabel('Repeats').selectOption('WEEKLY');
  await bob.page.getByLabel('Number of occurrences').fill('3');
  await bob.page.getByRole('button', { name: 'Preview occurrences' }).click();
  await expect(bob.page.getByText(/^3 occurrences in .+, 0 already taken$/)).toBeVisible();
  await screenshot(bob.page, 'bob-series-preview-light');
  await bob.page.getByRole('button', { name: 'Book', exact: true }).click();
  await expect(bob.page.getByText('Series booked: 3 occurrences, 0 skipped')).toBeVisible();
  // One summary toast for the series: the three occurrences' live notifications add none.
  await expect(bob.page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ })).toBeVisible();
  await bob.page.waitForTimeout(1500);
  // (A demo booking of bob's may start meanwhile and toast too: only this series' toasts count.)
  expect(
    await bob.page.locator('.toast').filter({ hasText: /Series booked|E2E weekly lab/ }).allInnerTexts(),
  ).toEqual([expect.stringContaining('Series booked: 3 occurrences, 0 skipped')]);
  await screenshot(bob.page, 'bob-series-booked-toast-light');

  await bob.page.getByRole('heading', { name: 'My reservations' }).waitFor();
  const rows = bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E weekly lab' });
  await expect(rows).toHaveCount(3);
  await rows.first().getByRole('link', { name: 'Edit series' }).click();
  await bob.page.getByRole('heading', { name: 'E2E weekly lab', level: 1 }).waitFor();
  const occurrences = bob.page.getByTestId('series-occurrence');
  await expect(occurrences).toHaveCount(3);
  // The rule in words, not FREQ=WEEKLY;COUNT=3.
  const weekday = first.toLocaleDateString('en-US', { weekday: 'long' });
  await expect(bob.page.getByTestId('series-summary')).toContainText(`Every week on ${weekday}, 3 times; times in`);
  // The same in Italian, then back to English for the rest.
  await bob.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  const giorno = first.toLocaleDateString('it-IT', { weekday: 'long' });
  await expect(bob.page.getByTestId('series-summary')).toContainText(`Ogni settimana di ${giorno}, 3 volte; orari in`);
  await screenshot(bob.page, 'bob-series-it-light');
  await bob.page.getByRole('combobox', { name: 'Lingua' }).selectOption('en');
  await expect(bob.page.getByTestId('series-summary')).toContainText('Every week on');

  // This and the following ones, from the second: 14:00 local from then on.
  await bob.page.getByLabel('Apply to').selectOption('following');
  const occurrence = bob.page.getByLabel('Occurrence', { exact: true });
  await occurrence.selectOption({ index: 1 });
  await bob.page.getByLabel(/^New start time/).fill('14:00');
  await bob.page.getByRole('button', { name: 'Save changes' }).click();
  await expect(bob.page.getByText('Series changed')).toBeVisible();
  await expect(occurrences.nth(0)).toContainText(/10:00/);
  await expect(occurrences.nth(1)).toContainText(/\b2:00\b[^,]*PM|14:00/);
  await expect(occurrences.nth(2)).toContainText(/\b2:00\b[^,]*PM|14:00/);
  await screenshot(bob.page, 'bob-series-changed-light');

  // Alice books the same server in the third week; making every occurrence 6 hours long is
  // refused for that occurrence alone, and the page says which and why.
  const alice = await signIn('alice', 'alice');
  await startBooking(alice.page, 'E2E blocker', 'server-04', plusDays(first, 14), '18:00', '19:00');
  await alice.page.getByRole('button', { name: 'Book', exact: true }).click();
  await alice.page.getByRole('heading', { name: 'My reservations' }).waitFor();
  await alice.context.close();

  await bob.page.getByLabel('Apply to').selectOption('all');
  await bob.page.getByLabel('New length in minutes').fill('360');
  await bob.page.getByRole('button', { name: 'Save changes' }).click();
  const refusal = bob.page.getByTestId('series-refusal');
  await expect(refusal).toContainText('Nothing changed: 1 occurrence is refused');
  await expect(refusal.getByTestId('series-refused-occurrence')).toHaveCount(1);
  await expect(refusal.getByTestId('series-refused-occurrence')).toContainText('already booked');
  await screenshot(bob.page, 'bob-series-refused-light');
  // The series page, refusal shown, has no serious or critical axe-core finding in either theme.
  for (const theme of ['dark', 'light'] as const) {
    await setTheme(bob.page, theme);
    expect(await accessibilityProblems(bob.page), `series page (${theme})`).toEqual([]);
    if (theme === 'dark') await screenshot(bob.page, 'bob-series-refused-dark');
  }
  await expect(occurrences.nth(2)).toContainText(/\b2:00\b[^,]*PM|14:00/); // nothing changed

  await bob.page.getByRole('button', { name: 'Cancel the whole series' }).click();
  // Asked first, in the one confirmation dialog: focus on the way back, axe-clean.
  const confirm = bob.page.getByRole('dialog', { name: 'Cancel occurrences of “E2E weekly lab”?' });
  await expect(confirm.getByRole('button', { name: 'Back' })).toBeFocused();
  expect(await accessibilityProblems(bob.page), 'confirm dialog').toEqual([]);
  await screenshot(bob.page, 'bob-series-confirm-light');
  await confirm.getByRole('button', { name: 'Cancel the whole series' }).click();
  await expect(bob.page.getByText('Nothing in this series can be changed any more.')).toBeVisible();
  for (let i = 0; i < 3; i += 1) await expect(occurrences.nth(i)).toContainText('Cancelled');
  await bob.page.getByRole('link', { name: 'Back to my reservations' }).click();
  await bob.page.getByRole('tab', { name: /^Upcoming/ }).click();
  await expect(bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E weekly lab' })).toHaveCount(0);
  expect(bob.errors).toEqual([]);
});

test('bob finds two free servers on the Find page and books them together', async ({ signIn }) => {
  const day = farDay();
  const bob = await signIn('bob', 'bob');
  await openFromMenu(bob.page, 'Find free resources');
  const site = bob.page.getByLabel(/^Site/);
  await expect(site.getByRole('option')).not.toHaveCount(1);
  await site.selectOption({ index: 1 });
  const type = bob.page.getByLabel(/^Resource type/);
  await type.getByRole('option', { name: 'Server' }).waitFor({ state: 'attached' });
  await type.selectOption({ label: 'Server' });
  await bob.page.getByLabel(/^How many/).fill('2');
  await bob.page.getByLabel(/^Duration \(hours\)/).fill('1');
  const iso = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
  await bob.page.getByLabel(/^Not before/).fill(`${iso}T08:00`);
  await bob.page.getByLabel(/^Finished by/).fill(`${iso}T20:00`);
  await bob.page.getByRole('button', { name: 'Find', exact: true }).click();
  const proposal = bob.page.getByTestId('find-proposal');
  await expect(proposal.getByRole('listitem')).toHaveCount(2);
  await screenshot(bob.page, 'bob-find-proposal-light');
  await proposal.getByLabel(/^Title of the booking/).fill('E2E lease');
  await proposal.getByRole('button', { name: 'Book all 2' }).click();
  await expect(proposal.getByRole('status')).toHaveText('Booked 2 resources together');

  await openFromMenu(bob.page, 'My reservations');
  await bob.page.getByRole('tab', { name: /^Upcoming/ }).click();
  await expect(bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E lease' })).toHaveCount(2);
  expect(bob.errors).toEqual([]);
});

test('bob asks the Find page for units of a pool: bounded by its capacity, the proposal says the units it takes', async ({ signIn, stack }) => {
  const day = farDay();
  const suffix = Date.now().toString(36);
  const pool = `E2E find pool ${suffix}`;
  // A site admin's API calls: a pooled type (4 units) and a resource of it.
  const alice = await signIn('alice', 'alice');
  const authorizing = alice.page.waitForRequest((r) => r.url().includes('/api/v1/') && Boolean(r.headers()['authorization']));
  await openFromMenu(alice.page, 'My reservations');
  const headers = { authorization: (await authorizing).headers()['authorization']! };
  const type = await alice.context.request.post(`${stack.baseUrl}/api/v1/sites/demo-lab/resource-types`, {
    headers,
    data: { name: `${pool} type`, color: '#0f766e', description: 'Browser test', capacity: 4 },
  });
  expect(type.status(), await type.text()).toBe(201);
  const resource = await alice.context.request.post(`${stack.baseUrl}/api/v1/sites/demo-lab/resources`, {
    headers,
    data: { name: pool, type_id: (await type.json()).id },
  });
  expect(resource.status(), await resource.text()).toBe(201);
  await alice.context.close();

  const bob = await signIn('bob', 'bob');
  await openFromMenu(bob.page, 'Find free resources');
  const site = bob.page.getByLabel(/^Site/);
  await site.getByRole('option', { name: /./ }).nth(1).waitFor({ state: 'attached' });
  await site.selectOption('demo-lab');
  const typeSelect = bob.page.getByLabel(/^Resource type/);
  await typeSelect.getByRole('option', { name: `${pool} type` }).waitFor({ state: 'attached' });
  await typeSelect.selectOption({ label: `${pool} type` });
  const units = bob.page.getByLabel(/^Units per resource/);
  await expect(units).toHaveAttribute('max', '4');
  await units.fill('5');
  await bob.page.getByRole('button', { name: 'Find', exact: true }).click();
  await expect(bob.page.getByText('Must be at most 4.')).toBeVisible();
  await units.fill('3');
  await bob.page.getByLabel(/^Duration \(hours\)/).fill('1');
  const iso = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
  await bob.page.getByLabel(/^Not before/).fill(`${iso}T08:00`);
  await bob.page.getByLabel(/^Finished by/).fill(`${iso}T20:00`);
  await bob.page.getByRole('button', { name: 'Find', exact: true }).click();
  const proposal = bob.page.getByTestId('find-proposal');
  await expect(proposal.getByRole('listitem')).toHaveText(`${pool} · takes 3 units`);
  await screenshot(bob.page, 'bob-find-pool-units-light');
  await proposal.getByLabel(/^Title of the booking/).fill(`E2E pool units ${suffix}`);
  await proposal.getByRole('button', { name: 'Book all 1' }).click();
  await expect(proposal.getByRole('status')).toHaveText('Booked 1 resource');
  expect(bob.errors).toEqual([]);
});
