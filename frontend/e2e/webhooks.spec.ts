import { expect, openFromMenu, screenshot, setTheme, test } from './fixtures';

test('admin creates a webhook, copies its one-time secret and sees a signed test delivery in its log', async ({ signIn, stack, receiver }) => {
  const admin = await signIn('admin', 'password');
  await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
  await openFromMenu(admin.page, 'Webhooks');
  await admin.page.getByRole('button', { name: 'New webhook' }).click();
  const form = admin.page.getByRole('dialog', { name: 'New webhook' });
  await form.getByLabel(/^Name/).fill('E2E receiver');
  await form.getByLabel(/^Endpoint URL/).fill(receiver.url);
  await screenshot(admin.page, 'admin-webhook-create-light');
  await form.getByRole('button', { name: 'Create' }).click();

  const secretDialog = admin.page.getByRole('dialog', { name: 'Signing secret' });
  const secret = await secretDialog.getByTestId('webhook-secret').innerText();
  expect(secret).toMatch(/^whsec_/);
  await secretDialog.getByRole('button', { name: 'Copy' }).click();
  await expect(secretDialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await admin.page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await screenshot(admin.page, 'admin-webhook-secret-light');
  await secretDialog.getByRole('button', { name: 'Close' }).click();

  await expect(admin.page.getByRole('heading', { name: 'E2E receiver' })).toBeVisible();
  await admin.page.getByRole('button', { name: 'Send test event' }).click();
  const row = admin.page.getByTestId('delivery-row').filter({ hasText: 'webhook.ping' });
  await expect(row.filter({ hasText: 'succeeded' })).toBeVisible({ timeout: 60_000 });
  await row.getByRole('button', { name: 'Attempts' }).click();
  await expect(admin.page.getByTestId('attempts').getByText(/HTTP status: 200/)).toBeVisible();
  await screenshot(admin.page, 'admin-webhook-deliveries-light');
  await setTheme(admin.page, 'dark');
  await screenshot(admin.page, 'admin-webhook-deliveries-dark');

  const ping = receiver.requests.find((r) => r.body.includes('webhook.ping'));
  expect(ping, 'the receiver got the test event').toBeTruthy();
  expect(ping?.headers['webhook-signature']).toMatch(/^v1,/);
  expect(ping?.headers['webhook-id']).toBeTruthy();
  expect(admin.errors).toEqual([]);
});
