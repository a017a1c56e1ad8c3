import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useLocation, useNavigation } from 'react-router';
import { useAuth } from '@/lib/auth/auth-context';
import { changeLanguage, LANGUAGES, type Language } from '@/lib/i18n';
import { setThemePreference, useTheme } from '@/lib/theme';

export type NavItem = { to: string; label: string; end?: boolean };

function NavSection({ title, items, onNavigate }: { title?: string; items: NavItem[]; onNavigate: () => void }) {
  return (
    <div className="nav-section">
      {title ? <h2 className="nav-title">{title}</h2> : null}
      <ul>
        {items.map((item) => (
          <li key={item.to}>
            <NavLink to={item.to} end={item.end} onClick={onNavigate}>
              {item.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ThemeToggle() {
  const { t } = useTranslation();
  const theme = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="icon-btn"
      aria-label={t('theme.toggle', { mode: t(`theme.${next}`).toLowerCase() })}
      title={t('theme.toggle', { mode: t(`theme.${next}`).toLowerCase() })}
      onClick={() => setThemePreference(next)}
    >
      <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
    </button>
  );
}

function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang-select">
      <span className="sr-only">{t('language.label')}</span>
      <select value={i18n.language} onChange={(e) => changeLanguage(e.target.value as Language)}>
        {LANGUAGES.map((lang) => (
          <option key={lang} value={lang}>
            {t(`language.${lang}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Moves focus to the page title after navigation so screen readers announce the new page. */
function useFocusOnNavigate() {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('[data-page-title]')?.focus();
  }, [location.pathname]);
}

export function AppLayout({
  nav,
  adminNav,
  headerExtra,
}: {
  nav: NavItem[];
  adminNav: NavItem[];
  headerExtra?: ReactNode;
}) {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const navigation = useNavigation();
  const [menuOpen, setMenuOpen] = useState(false);
  useFocusOnNavigate();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-btn menu-btn"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          aria-label={menuOpen ? t('app.closeMenu') : t('app.openMenu')}
          onClick={() => setMenuOpen((v) => !v)}
        >
          <span aria-hidden="true">☰</span>
        </button>
        <NavLink to="/" className="brand">
          {t('app.name')}
        </NavLink>
        <div className="topbar-actions">
          {headerExtra}
          <LanguageSelect />
          <ThemeToggle />
          <NavLink to="/profile" className="user-chip" title={t('user.signedInAs', { name: user.name })}>
            {user.username}
          </NavLink>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => void logout()}>
            {t('user.signOut')}
          </button>
        </div>
      </header>
      <div className="body">
        <nav id="sidebar" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label={t('app.mainNav')}>
          <NavSection items={nav} onNavigate={() => setMenuOpen(false)} />
          {adminNav.length > 0 ? (
            <NavSection title={t('nav.admin')} items={adminNav} onNavigate={() => setMenuOpen(false)} />
          ) : null}
        </nav>
        <main id="main" className="content" aria-busy={navigation.state === 'loading'}>
          {navigation.state === 'loading' ? <div className="route-progress" aria-hidden="true" /> : null}
          <Outlet />
        </main>
      </div>
    </div>
  );
}
