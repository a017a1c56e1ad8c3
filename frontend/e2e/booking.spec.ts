import type { Page } from '@playwright/test';
import { expect, openFromMenu, screenshot, test } from './fixtures';

/** A one-hour slot on a random day 20-320 days ahead, typed as the English app writes dates
 * (month/day/year, 24-hour time; the Italian app takes day/month/year). */
function slot() {
  const day = new Date();
  day.setDate(day.getDate() + 20 + Math.floor(Math.random() * 300));
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}`;
  return { start: `${date}, 10:00`, end: `${date}, 11:00` };
}

interface Booking {
  title: string;
  resource: string;
  vlan: number;
  start: string;
  end: string;
}

async function fillBooking(page: Page, { title, resource, vlan, start, end }: Booking, shot?: string) {
  await openFromMenu(page, 'Book');
  // Options are indented under their parent ("  └ Gi1/0/2" under the switch).
  const option = page.getByRole('option', { name: new RegExp(`(^|└ )${resource.replace(/[/]/g, '\\/')}$`) });
  await option.waitFor({ state: 'attached' });
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel(/^Resource/).selectOption((await option.getAttribute('value')) ?? '');
  // The parameter is labelled with its schema title and states its allowed range.
  await page.getByLabel(/^VLAN/).fill(String(vlan));
  await page.getByText('From 2 to 4094.').waitFor();
  await page.getByLabel(/^Start/).fill(start);
  await page.getByLabel(/^End/).fill(end);
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: 'Book', exact: true }).click();
}

test('bob books a switch port with a VLAN, alice meets the conflict, bob cancels', async ({ signIn }) => {
  const period = slot();
  const bob = await signIn('bob', 'bob');
  await screenshot(bob.page, 'bob-dashboard-light');

  await fillBooking(bob.page, { title: 'E2E VLAN session', resource: 'Gi1/0/2', vlan: 42, ...period }, 'bob-booking-parameters-light');
  await bob.page.getByRole('heading', { name: 'My reservations' }).waitFor();
  const row = bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E VLAN session' });
  await expect(row).toContainText('vlan_id=42');
  await expect(row).toContainText(/Confirmed|Pending approval/);
  // The booking's notification arrives over the live stream, without a reload.
  await bob.page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
  const notifications = bob.page.getByRole('region', { name: 'Notifications' });
  await expect(notifications.getByText('Live updates on')).toBeVisible();
  await expect(notifications.getByText(/E2E VLAN session/).first()).toBeVisible();
  // One toast for one booking: the live notification about it does not add a second. (A demo
  // booking of bob's may start meanwhile and toast too: only this booking's toasts are counted.)
  const aboutThis = (text: RegExp) => bob.page.locator('.toast').filter({ hasText: text });
  expect(
    await aboutThis(/Booking created|E2E VLAN session/).count(),
    await bob.page.locator('.toaster').innerText(),
  ).toBe(1);
  await screenshot(bob.page, 'bob-notifications-light');
  await bob.page.keyboard.press('Escape');
  await screenshot(bob.page, 'bob-reservations-light');

  const alice = await signIn('alice', 'alice');
  await fillBooking(alice.page, { title: 'Clashing session', resource: 'Gi1/0/2', vlan: 7, ...period });
  const alert = alice.page.getByTestId('booking-error');
  await expect(alert).toContainText('The slot is taken');
  // The conflict names bob's booking and its resource in local times, and offers a free slot.
  await expect(alert.getByText(/^Next free slot:/)).toBeVisible();
  await expect(alert).toContainText(/“E2E VLAN session” by (bob|Bob Berg) on Gi1\/0\/2/);
  await expect(alert).not.toContainText(/\d{4}-\d\d-\d\dT|[0-9a-f]{8}-[0-9a-f]{4}-/);
  await screenshot(alice.page, 'alice-booking-conflict-light');
  await alice.context.close();

  await row.getByRole('button', { name: 'Cancel booking' }).click();
  const dialog = bob.page.getByRole('dialog', { name: 'Cancel booking' });
  await dialog.getByLabel(/Reason/).fill('E2E clean-up');
  await screenshot(bob.page, 'bob-cancel-dialog-light');
  await dialog.getByRole('button', { name: 'Cancel booking' }).click();
  await expect(bob.page.getByText('Booking cancelled')).toBeVisible();
  // One toast for the cancellation too: its live notification adds none.
  await bob.page.waitForTimeout(1500);
  expect(await aboutThis(/Booking cancelled|E2E VLAN session/).locator(':scope > span').allInnerTexts()).toEqual([
    'Booking cancelled',
  ]);
  await expect(row).toHaveCount(0);
  await bob.page.getByRole('tab', { name: 'Past' }).click();
  await expect(bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E VLAN session' }).getByText('Cancelled')).toBeVisible();
  // The notifications are worded in the user's language from their kind and params, with local
  // times, not the server's English sentence.
  await bob.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  await bob.page.getByRole('button', { name: /^Notifiche, \d+ non lette$/ }).click();
  await bob.page.getByRole('region', { name: 'Notifiche' }).getByRole('link', { name: 'Apri' }).click();
  await bob.page.getByRole('heading', { name: 'Notifiche' }).waitFor();
  const mine = bob.page.getByTestId('notification');
  await expect(mine.filter({ hasText: /^Prenotazione «E2E VLAN session» su Gi1\/0\/2 creata per .+\((Confermata|In attesa di approvazione)\)\./ })).toHaveCount(1);
  await expect(mine.filter({ hasText: /^Prenotazione «E2E VLAN session» su Gi1\/0\/2 \(.+\) annullata\./ })).toHaveCount(1);
  await expect(mine.filter({ hasText: /Reservation 'E2E VLAN session'/ })).toHaveCount(0);
  await screenshot(bob.page, 'bob-notifications-it-light');
  await bob.page.getByRole('button', { name: /^Passa al tema (Scuro|scuro)$/ }).click();
  await expect(bob.page.locator('html[data-theme="dark"]')).toHaveCount(1);
  await screenshot(bob.page, 'bob-notifications-it-dark');
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(bob.page, 'bob-notifications-it-phone-dark');
  expect(bob.errors).toEqual([]);
});
