import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { fakeSession, renderWithApp } from '@/testing/render';
import { API, http, HttpResponse, server } from '@/testing/server';
import { page, siteFixture } from '@/testing/fixtures';
import { changeLanguage } from '@/lib/i18n';
import { AppLayout } from './app-layout';

function layout() {
  return (
    <Routes>
      <Route element={<AppLayout nav={[{ to: '/', label: 'Dashboard', end: true }]} adminNav={[]} />}>
        <Route index element={<h1 data-page-title>Home</h1>} />
      </Route>
    </Routes>
  );
}

describe('app layout', () => {
  afterEach(() => changeLanguage('en'));

  it('switches to dark mode and remembers it', async () => {
    server.use(http.get(`${API}/sites`, () => HttpResponse.json(page([siteFixture()]))));
    const { user } = renderWithApp(layout());
    await user.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('reservations.theme')).toBe('dark');
    expect(screen.getByRole('button', { name: 'Switch to light theme' })).toBeInTheDocument();
  });

  it('speaks Italian when chosen and keeps a skip link to the content', async () => {
    const { user } = renderWithApp(layout(), { session: fakeSession({ username: 'alice' }) });
    expect(screen.getByRole('link', { name: 'Skip to content' })).toHaveAttribute('href', '#main');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'it');
    expect(await screen.findByRole('button', { name: 'Esci' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('it');
    const nav = screen.getByRole('navigation', { name: 'Navigazione principale' });
    expect(within(nav).getByRole('link', { name: 'Dashboard' })).toBeInTheDocument();
  });
});
