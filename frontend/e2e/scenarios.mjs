import { accessibilityProblems, openFromMenu, screenshot, setTheme, signIn } from './browser.mjs';

/** A one-hour slot on a random day 20-320 days ahead, typed as the English app writes dates
 * (month/day/year, 24-hour time; the Italian app takes day/month/year). */
function slot() {
  const day = new Date();
  day.setDate(day.getDate() + 20 + Math.floor(Math.random() * 300));
  const pad = (n) => String(n).padStart(2, '0');
  const date = `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}`;
  return { start: `${date}, 10:00`, end: `${date}, 11:00` };
}

async function fillBooking(page, { title, resource, vlan, start, end }) {
  await openFromMenu(page, 'Book');
  // Options are indented under their parent ("  └ Gi1/0/2" under the switch).
  const option = page.getByRole('option', { name: new RegExp(`(^|└ )${resource.replace(/[/]/g, '\\/')}$`) });
  await option.waitFor({ state: 'attached' });
  await page.getByLabel(/^Title/).fill(title);
  await page.getByLabel(/^Resource/).selectOption(await option.getAttribute('value'));
  // The parameter is labelled with its schema title and states its allowed range.
  await page.getByLabel(/^VLAN/).fill(String(vlan));
  await page.getByText('From 2 to 4094.').waitFor();
  await page.getByLabel(/^Start/).fill(start);
  await page.getByLabel(/^End/).fill(end);
  await page.getByRole('button', { name: 'Book', exact: true }).click();
}

export const scenarios = [
  {
    name: 'bob books a switch port with a VLAN, alice meets the conflict, bob cancels',
    async run({ baseUrl, browser, assert }) {
      const period = slot();
      const bob = await signIn(browser, baseUrl, 'bob', 'bob');
      await screenshot(bob.page, 'bob-dashboard-light');

      await fillBooking(bob.page, { title: 'E2E VLAN session', resource: 'Gi1/0/2', vlan: 42, ...period });
      await bob.page.getByRole('heading', { name: 'My reservations' }).waitFor();
      const row = bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E VLAN session' });
      await row.waitFor();
      assert.match(await row.innerText(), /vlan_id=42/);
      assert.match(await row.innerText(), /Confirmed|Pending approval/);
      // The booking's notification arrives over the live stream, without a reload.
      await bob.page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
      await bob.page.getByRole('region', { name: 'Notifications' }).getByText('Live updates on').waitFor();
      await bob.page.getByRole('region', { name: 'Notifications' }).getByText(/E2E VLAN session/).first().waitFor();
      // One toast for one booking: the live notification about it does not add a second.
      assert.equal(await bob.page.locator('.toast').count(), 1, await bob.page.locator('.toaster').innerText());
      await screenshot(bob.page, 'bob-notifications-light');
      await bob.page.keyboard.press('Escape');
      await screenshot(bob.page, 'bob-reservations-light');

      const alice = await signIn(browser, baseUrl, 'alice', 'alice');
      await fillBooking(alice.page, { title: 'Clashing session', resource: 'Gi1/0/2', vlan: 7, ...period });
      const alert = alice.page.getByTestId('booking-error');
      await alert.waitFor();
      assert.match(await alert.innerText(), /The slot is taken/);
      // The conflict names bob's booking and its resource in local times, and offers a free slot.
      await alert.getByText(/^Next free slot:/).waitFor();
      const explained = await alert.innerText();
      assert.match(explained, /“E2E VLAN session” by (bob|Bob Berg) on Gi1\/0\/2/);
      assert.doesNotMatch(explained, /\d{4}-\d\d-\d\dT|[0-9a-f]{8}-[0-9a-f]{4}-/);
      await screenshot(alice.page, 'alice-booking-conflict-light');
      await alice.context.close();

      await row.getByRole('button', { name: 'Cancel booking' }).click();
      const dialog = bob.page.getByRole('dialog', { name: 'Cancel booking' });
      await dialog.getByLabel(/Reason/).fill('E2E clean-up');
      await screenshot(bob.page, 'bob-cancel-dialog-light');
      await dialog.getByRole('button', { name: 'Cancel booking' }).click();
      await bob.page.getByText('Booking cancelled').waitFor();
      await row.waitFor({ state: 'detached' });
      await bob.page.getByRole('tab', { name: 'Past' }).click();
      await bob.page.getByTestId('reservation-row').filter({ hasText: 'E2E VLAN session' }).getByText('Cancelled').waitFor();
      assert.deepEqual(bob.errors, []);
      await bob.context.close();
    },
  },
  {
    name: 'every page renders in light and dark for a platform admin (screenshots)',
    async run({ baseUrl, browser, assert }) {
      const admin = await signIn(browser, baseUrl, 'admin', 'password');
      const pages = await admin.page
        .getByRole('navigation', { name: 'Main navigation' })
        .getByRole('link')
        .allInnerTexts();
      assert.ok(pages.length >= 4, `menu has ${pages.length} entries`);
      // The dashboard draws the server's figures: the load of the coming days as a bar chart
      // (demo bookings fall in it) with a summary screen readers read.
      await admin.page.getByTestId('utilisation-summary').waitFor();
      await admin.page.getByRole('img', { name: /\d+(\.\d)? hr/ }).waitFor();
      // axe-core on every page in both themes: no serious or critical finding (contrast included).
      const a11y = [];
      for (const theme of ['light', 'dark']) {
        await setTheme(admin.page, theme);
        for (const label of pages) {
          await openFromMenu(admin.page, label);
          const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
          await screenshot(admin.page, `admin-${slug}-${theme}`);
          for (const problem of await accessibilityProblems(admin.page)) a11y.push(`${label} (${theme}): ${problem}`);
        }
      }
      assert.deepEqual(a11y, [], `accessibility problems:\n${a11y.join('\n')}`);
      // Manage resources has actions per resource; buttons made of links are not underlined.
      await openFromMenu(admin.page, 'Manage resources');
      await admin.page.getByRole('button', { name: 'Edit server-01' }).waitFor();
      await admin.page.getByRole('button', { name: 'Add inside Rack A' }).waitFor();
      const book = admin.page.getByRole('link', { name: 'Book server-01' });
      assert.equal(await book.evaluate((el) => getComputedStyle(el).textDecorationLine), 'none');
      await admin.page.setViewportSize({ width: 390, height: 844 });
      await admin.page.getByRole('button', { name: 'Open menu' }).click();
      await screenshot(admin.page, 'admin-mobile-menu-dark');
      await openFromMenu(admin.page, 'Book');
      await screenshot(admin.page, 'admin-mobile-book-dark');
      await admin.page.setViewportSize({ width: 1280, height: 860 });
      await admin.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
      await admin.page.getByRole('heading', { name: 'Nuova prenotazione' }).waitFor();
      // Italian dates are day first with a 24-hour clock, whatever the browser's language.
      const next = new Date();
      next.setMinutes(0, 0, 0);
      next.setHours(next.getHours() + 1);
      const two = (n) => String(n).padStart(2, '0');
      assert.equal(
        await admin.page.getByLabel(/^Inizio/).inputValue(),
        `${two(next.getDate())}/${two(next.getMonth() + 1)}/${next.getFullYear()}, ${two(next.getHours())}:00`,
      );
      await screenshot(admin.page, 'admin-book-it-dark');
      assert.deepEqual(admin.errors, []);
      await admin.context.close();
    },
  },
];

scenarios.push({
  name: 'admin creates a webhook, copies its one-time secret and sees a signed test delivery in its log',
  async run({ baseUrl, browser, assert, receiver }) {
    const admin = await signIn(browser, baseUrl, 'admin', 'password');
    await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    await openFromMenu(admin.page, 'Webhooks');
    await admin.page.getByRole('button', { name: 'New webhook' }).click();
    const form = admin.page.getByRole('dialog', { name: 'New webhook' });
    await form.getByLabel(/^Name/).fill('E2E receiver');
    await form.getByLabel(/^Endpoint URL/).fill(receiver.url);
    await screenshot(admin.page, 'admin-webhook-create-light');
    await form.getByRole('button', { name: 'Create' }).click();

    const secretDialog = admin.page.getByRole('dialog', { name: 'Signing secret' });
    const secret = await secretDialog.getByTestId('webhook-secret').innerText();
    assert.match(secret, /^whsec_/);
    await secretDialog.getByRole('button', { name: 'Copy' }).click();
    await secretDialog.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await admin.page.evaluate(() => navigator.clipboard.readText()), secret);
    await screenshot(admin.page, 'admin-webhook-secret-light');
    await secretDialog.getByRole('button', { name: 'Close' }).click();

    await admin.page.getByRole('heading', { name: 'E2E receiver' }).waitFor();
    await admin.page.getByRole('button', { name: 'Send test event' }).click();
    const row = admin.page.getByTestId('delivery-row').filter({ hasText: 'webhook.ping' });
    await row.filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    await row.getByRole('button', { name: 'Attempts' }).click();
    await admin.page.getByTestId('attempts').getByText(/HTTP status: 200/).waitFor();
    await screenshot(admin.page, 'admin-webhook-deliveries-light');
    await setTheme(admin.page, 'dark');
    await screenshot(admin.page, 'admin-webhook-deliveries-dark');

    const ping = receiver.requests.find((r) => r.body.includes('webhook.ping'));
    assert.ok(ping, 'the receiver got the test event');
    assert.match(ping.headers['webhook-signature'], /^v1,/);
    assert.ok(ping.headers['webhook-id']);
    assert.deepEqual(admin.errors, []);
    await admin.context.close();
  },
});
