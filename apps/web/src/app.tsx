import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { Layout } from './components/layout';
import { Loading } from './components/load-state';
import { RequireUser } from './components/require-user';
import { I18nProvider } from './i18n';
import { AdminPage } from './pages/admin-page';
import { CharityPage } from './pages/charity-page';
import { DashboardPage } from './pages/dashboard-page';
import { DirectoryPage } from './pages/directory-page';
import { EditCharityPage } from './pages/edit-charity-page';
import { HomePage } from './pages/home-page';
import { NotFoundPage } from './pages/not-found-page';
import { RegisterCharityPage } from './pages/register-charity-page';
import { SignInPage } from './pages/sign-in-page';
import { SignUpPage } from './pages/sign-up-page';
import { SessionProvider } from './session';

// The verifier (@goodtrace/ledger with its Ed25519 and SHA-256) loads only on this page.
const TransparencyPage = lazy(() =>
  import('./pages/transparency-page').then((m) => ({ default: m.TransparencyPage })),
);

/**
 * Routes:
 *   /                        what Goodtrace is
 *   /sign-in, /sign-up       accounts
 *   /charities               public directory of verified charities (q, city, cause, page)
 *   /charities/new           register a charity (signed in)
 *   /charities/:id           a charity's page; members also see status, members, history
 *   /charities/:id/edit      edit details, resubmit when rejected (owner/editor)
 *   /my                      my charities and invitations (signed in)
 *   /admin                   verification queue (admin decides, auditor reads)
 *   /transparency            the public log: key, checkpoint verified in the browser, entries
 */
export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <BrowserRouter>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<HomePage />} />
              <Route path="sign-in" element={<SignInPage />} />
              <Route path="sign-up" element={<SignUpPage />} />
              <Route path="charities" element={<DirectoryPage />} />
              <Route
                path="charities/new"
                element={
                  <RequireUser>
                    <RegisterCharityPage />
                  </RequireUser>
                }
              />
              <Route path="charities/:orgId" element={<CharityPage />} />
              <Route
                path="charities/:orgId/edit"
                element={
                  <RequireUser>
                    <EditCharityPage />
                  </RequireUser>
                }
              />
              <Route
                path="my"
                element={
                  <RequireUser>
                    <DashboardPage />
                  </RequireUser>
                }
              />
              <Route
                path="admin"
                element={
                  <RequireUser>
                    <AdminPage />
                  </RequireUser>
                }
              />
              <Route
                path="transparency"
                element={
                  <Suspense fallback={<Loading />}>
                    <TransparencyPage />
                  </Suspense>
                }
              />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </I18nProvider>
  );
}
