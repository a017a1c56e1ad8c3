import { accessibilityProblems, expect, openFromMenu, screenshot, setTheme, test } from './fixtures';

test('every page renders in light and dark for a platform admin (screenshots)', async ({ signIn }) => {
  const admin = await signIn('admin', 'password');
  const pages = await admin.page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').allInnerTexts();
  expect(pages.length, `menu has ${pages.length} entries`).toBeGreaterThanOrEqual(4);
  // The dashboard draws the server's figures: the load of the coming days as a bar chart
  // (demo bookings fall in it) with a summary screen readers read.
  await expect(admin.page.getByTestId('utilisation-summary')).toBeVisible();
  await expect(admin.page.getByRole('img', { name: /\d+(\.\d)? hr/ })).toBeVisible();
  // axe-core on every page in both themes: no serious or critical finding (contrast included).
  const a11y: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(admin.page, theme);
    for (const label of pages) {
      await openFromMenu(admin.page, label);
      const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
      // The demo's bookings of this week are on the calendar before it is screenshotted.
      if (slug === 'calendar') await expect(admin.page.getByTestId('calendar-event').first()).toBeVisible();
      await screenshot(admin.page, `admin-${slug}-${theme}`);
      for (const problem of await accessibilityProblems(admin.page)) a11y.push(`${label} (${theme}): ${problem}`);
    }
  }
  expect(a11y, `accessibility problems:\n${a11y.join('\n')}`).toEqual([]);
  // Manage resources has actions per resource; buttons made of links are not underlined.
  await openFromMenu(admin.page, 'Manage resources');
  await expect(admin.page.getByRole('button', { name: 'Edit server-01' })).toBeVisible();
  await expect(admin.page.getByRole('button', { name: 'Add inside Rack A' })).toBeVisible();
  await expect(admin.page.getByRole('link', { name: 'Book server-01' })).toHaveCSS('text-decoration-line', 'none');
  await admin.page.setViewportSize({ width: 390, height: 844 });
  await admin.page.getByRole('button', { name: 'Open menu' }).click();
  await screenshot(admin.page, 'admin-mobile-menu-dark');
  await openFromMenu(admin.page, 'Book');
  await screenshot(admin.page, 'admin-mobile-book-dark');
  await admin.page.setViewportSize({ width: 1280, height: 860 });
  await admin.page.getByRole('combobox', { name: 'Language' }).selectOption('it');
  await expect(admin.page.getByRole('heading', { name: 'Nuova prenotazione' })).toBeVisible();
  // Italian dates are day first with a 24-hour clock, whatever the browser's language.
  const next = new Date();
  next.setMinutes(0, 0, 0);
  next.setHours(next.getHours() + 1);
  const two = (n: number) => String(n).padStart(2, '0');
  await expect(admin.page.getByLabel(/^Inizio/)).toHaveValue(
    `${two(next.getDate())}/${two(next.getMonth() + 1)}/${next.getFullYear()}, ${two(next.getHours())}:00`,
  );
  await screenshot(admin.page, 'admin-book-it-dark');
  expect(admin.errors).toEqual([]);
});
