import { useState } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router-dom';
import { type Locale, useI18n } from '../i18n';
import { isStaff, useSession } from '../session';

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path
        d="M16 25s-8-4.6-8-10.5A4.5 4.5 0 0 1 16 12a4.5 4.5 0 0 1 8 2.5C24 20.4 16 25 16 25z"
        fill="#f6b26b"
      />
    </svg>
  );
}

function LanguageSwitch() {
  const { t, setLocale } = useI18n();
  const other = t('lang.otherCode') as Locale;
  return (
    // The name starts with the words shown (WCAG 2.5.3: a voice user says what they see), in
    // the other language; what the button does follows for a screen reader in this one.
    <button
      type="button"
      className="button button-ghost button-small lang-switch"
      onClick={() => setLocale(other)}
    >
      <span lang={other}>{t('lang.other')}</span>
      <span className="visually-hidden"> — {t('lang.switchLabel')}</span>
    </button>
  );
}

function Header() {
  const { t } = useI18n();
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  async function handleSignOut() {
    setSigningOut(true);
    try {
      await signOut();
    } finally {
      setSigningOut(false);
      navigate('/');
    }
  }

  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link to="/" className="brand">
          <Logo />
          <span className="brand-name">{t('app.name')}</span>
        </Link>
        <nav className="main-nav" aria-label={t('nav.main')}>
          <NavLink to="/projects">{t('nav.projects')}</NavLink>
          <NavLink to="/charities" end>
            {t('nav.charities')}
          </NavLink>
          {user && <NavLink to="/my">{t('nav.myCharities')}</NavLink>}
          {isStaff(user) && <NavLink to="/admin">{t('nav.review')}</NavLink>}
          {isStaff(user) && <NavLink to="/audit">{t('nav.audit')}</NavLink>}
          <NavLink to="/transparency">{t('nav.transparency')}</NavLink>
        </nav>
        <div className="header-lang">
          <LanguageSwitch />
        </div>
        <div className="header-actions">
          {user ? (
            <>
              <span className="account-name" title={user.email}>
                <span className="visually-hidden">{t('nav.account', { name: '' })}</span>
                {user.displayName}
              </span>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={handleSignOut}
                disabled={signingOut}
              >
                {t('nav.signOut')}
              </button>
            </>
          ) : (
            <>
              <Link to="/sign-in" className="header-link">
                {t('nav.signIn')}
              </Link>
              <Link to="/sign-up" className="button button-primary button-small">
                {t('nav.signUp')}
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

export function Layout() {
  const { t } = useI18n();
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Header />
      <main id="main" className="container main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          <nav className="footer-nav" aria-label={t('nav.footer')}>
            <Link to="/projects">{t('nav.projects')}</Link>
            <Link to="/charities">{t('nav.charities')}</Link>
            <Link to="/transparency">{t('nav.transparency')}</Link>
          </nav>
          <p>
            <Logo />
            {t('app.footer')} {t('app.footerFree')}
          </p>
        </div>
      </footer>
    </>
  );
}
