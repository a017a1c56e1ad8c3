// The booking path without a mouse: sign in, book, cancel, with the keyboard alone. Every
// element the Tab key reaches shows a focus indicator, the cancel dialog keeps the focus inside
// and gives it back to the button that opened it, and axe-core finds nothing serious on the way.
import type { Page } from '@playwright/test';
import { accessibilityProblems, expect, screenshot, test } from './fixtures';

interface Focused {
  tag: string;
  name: string;
  indicator: boolean;
  inDialog: boolean;
  row: string;
}

/** What has the focus: its name as a user reads it, whether it shows a focus indicator. */
async function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? '';
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    return {
      tag: el.tagName.toLowerCase(),
      name: (el.getAttribute('aria-label') || label || el.textContent || '').replace(/\s+/g, ' ').trim(),
      // The keyboard's focus is drawn: :focus-visible matches and an outline (the app's 3 px
      // ring) or a shadow is painted.
      indicator: el.matches(':focus-visible') && (outline || style.boxShadow !== 'none'),
      inDialog: el.closest('[role="dialog"]') !== null,
      row: el.closest('[data-testid="reservation-row"]')?.textContent ?? '',
    };
  });
}

/** Presses Tab (or Shift+Tab) until the focus is on what `wanted` accepts; every stop on the way
 * must show its focus. */
async function tabTo(page: Page, wanted: (f: Focused) => boolean, what: string, back = false): Promise<Focused> {
  const seen: string[] = [];
  for (let n = 0; n < 80; n += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (!f) continue;
    seen.push(`${f.tag} "${f.name}"`);
    expect(f.indicator, `no visible focus on ${f.tag} "${f.name}"`).toBe(true);
    if (wanted(f)) return f;
  }
  throw new Error(`Tab never reached ${what}; it went through: ${seen.join(', ')}`);
}

const named = (name: string | RegExp) => (f: Focused) => (typeof name === 'string' ? f.name === name : name.test(f.name));

/** Replaces a text field's value by typing, as a keyboard user does. */
async function retype(page: Page, text: string) {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

function slot() {
  const day = new Date();
  day.setDate(day.getDate() + 20 + Math.floor(Math.random() * 300));
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${pad(day.getMonth() + 1)}/${pad(day.getDate())}/${day.getFullYear()}`;
  return { start: `${date}, 14:00`, end: `${date}, 15:30` };
}

test('bob signs in, books a server and cancels it with the keyboard alone', async ({ browser, stack }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const title = `Keyboard session ${Date.now().toString(36)}`;
  const period = slot();

  // The identity provider's login page: the user name field has the focus.
  await page.goto(`${stack.baseUrl}/`);
  await page.locator('#kc-form-login').waitFor();
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'username') {
    for (let n = 0; n < 20 && (await page.evaluate(() => document.activeElement?.id)) !== 'username'; n += 1) await page.keyboard.press('Tab');
  }
  await page.keyboard.type('bob');
  await page.keyboard.press('Tab');
  await page.keyboard.type('bob');
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name: 'bob', exact: true }).waitFor();

  // The skip link comes first and leads to the content.
  const skip = await tabTo(page, named('Skip to content'), 'the skip link');
  expect(skip.tag).toBe('a');

  // Through the menu to the booking form.
  await tabTo(page, (f) => f.tag === 'a' && f.name === 'Book', 'the Book menu entry');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'New booking' })).toBeVisible();
  await expect(page.getByRole('option', { name: /server-01$/ })).toBeAttached();
  expect(await accessibilityProblems(page)).toEqual([]);

  await tabTo(page, named(/^Title/), 'the title field');
  await page.keyboard.type(title);
  await tabTo(page, named(/^Resource/), 'the resource picker');
  const picker = page.getByLabel(/^Resource/);
  // Arrow keys move through the options of a closed select.
  for (let n = 0; n < 60 && !/server-01$/.test(await picker.evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.textContent ?? '')); n += 1) {
    await page.keyboard.press('ArrowDown');
  }
  await expect(picker.locator('option:checked')).toHaveText(/server-01$/);
  await tabTo(page, named(/^Start/), 'the start field');
  await retype(page, period.start);
  await tabTo(page, named(/^End/), 'the end field');
  await retype(page, period.end);
  expect(await accessibilityProblems(page)).toEqual([]);
  await tabTo(page, (f) => f.tag === 'button' && f.name === 'Book', 'the Book button');
  await screenshot(page, 'bob-keyboard-book-focus-light');
  await page.keyboard.press('Enter');

  // My reservations: the new booking, reached and cancelled by keyboard.
  await expect(page.getByRole('heading', { level: 1, name: 'My reservations' })).toBeVisible();
  const row = page.getByTestId('reservation-row').filter({ hasText: title });
  await expect(row).toBeVisible();
  expect(await accessibilityProblems(page)).toEqual([]);
  const cancelButton = (f: Focused) => f.name === 'Cancel booking' && f.row.includes(title);
  await tabTo(page, cancelButton, `the Cancel booking button of "${title}"`);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Cancel booking' });
  await expect(dialog).toBeVisible();
  expect((await focused(page))?.inDialog, 'the focus moves into the dialog').toBe(true);
  await screenshot(page, 'bob-keyboard-cancel-dialog-light');
  expect(await accessibilityProblems(page)).toEqual([]);

  // Tab and Shift+Tab go round inside the dialog, never behind it.
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let n = 0; n < 8; n += 1) {
      await page.keyboard.press(key);
      const f = await focused(page);
      expect(f?.inDialog, `${key} #${n + 1} left the dialog for ${f?.tag} "${f?.name}"`).toBe(true);
      expect(f?.indicator, `no visible focus on ${f?.tag} "${f?.name}" in the dialog`).toBe(true);
    }
  }
  // Escape closes it and gives the focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  const back = await focused(page);
  expect(back && cancelButton(back), `focus after closing: ${back?.tag} "${back?.name}"`).toBe(true);

  // Again, this time for real: a reason, then the dialog's own Cancel booking button.
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  const reason = await focused(page);
  if (!reason || !/^Reason/.test(reason.name)) await tabTo(page, named(/^Reason/), 'the reason field');
  await page.keyboard.type('Planned by keyboard only');
  await tabTo(page, (f) => f.inDialog && f.name === 'Cancel booking' && f.tag === 'button', "the dialog's Cancel booking button");
  await page.keyboard.press('Enter');
  await expect(page.getByText('Booking cancelled')).toBeVisible();
  await expect(row).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});
