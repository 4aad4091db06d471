import { lazy, Suspense } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { Layout } from './components/layout';
import { Loading } from './components/load-state';
import { RequireUser } from './components/require-user';
import { I18nProvider } from './i18n';
import { AckCodeEntryPage, AckPage } from './pages/ack-page';
import { AdminPage } from './pages/admin-page';
import { AuditPage } from './pages/audit/audit-page';
import { CharityPage } from './pages/charity-page';
import { BeneficiariesPage } from './pages/charity-projects/beneficiaries-page';
import { DisbursePage } from './pages/charity-projects/disburse-page';
import { EditProjectPage, NewProjectPage } from './pages/charity-projects/project-form-page';
import { CharityProjectsPage } from './pages/charity-projects/projects-page';
import { DashboardPage } from './pages/dashboard-page';
import { DirectoryPage } from './pages/directory-page';
import { EditCharityPage } from './pages/edit-charity-page';
import { HomePage } from './pages/home-page';
import { NotFoundPage } from './pages/not-found-page';
import { DonatePage } from './pages/projects/donate-page';
import { ProjectPage } from './pages/projects/project-page';
import { ProjectsPage } from './pages/projects/projects-page';
import { SandboxPayPage } from './pages/projects/sandbox-pay-page';
import { RegisterCharityPage } from './pages/register-charity-page';
import { SignInPage } from './pages/sign-in-page';
import { SignUpPage } from './pages/sign-up-page';
import { SessionProvider } from './session';

// The verifier (@goodtrace/ledger with its Ed25519 and SHA-256) loads only on this page.
const TransparencyPage = lazy(() =>
  import('./pages/transparency-page').then((m) => ({ default: m.TransparencyPage })),
);

// The donor's page verifies receipts with @goodtrace/ledger too: loaded only there.
const DonationPage = lazy(() =>
  import('./pages/projects/donation-page').then((m) => ({ default: m.DonationPage })),
);

// So does the public receipt page.
const ReceiptPage = lazy(() =>
  import('./pages/projects/receipt-page').then((m) => ({ default: m.ReceiptPage })),
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
 *   /audit                   the auditor's console: log health, anomalies, books, findings
 *   /transparency            the public log: key, checkpoint verified in the browser, entries
 *   /charities/:id/projects  a charity's projects (members): money, books export
 *   /charities/:id/projects/new, /charities/:id/projects/:pid/edit   draft, edit, publish
 *   /charities/:id/projects/:pid/disburse   record spending; shows the one-time ack code
 *   /charities/:id/beneficiaries            registered payees (members)
 *   /ack, /ack/:code         the beneficiary confirms receipt (no account)
 *   /projects                published projects for donors (q, cause, city, sort, page)
 *   /projects/:id            a project: story, money flow, budget, spending, donations, log
 *   /projects/:id/donate     donate (guest with email, or signed in)
 *   /donate/pay/:donationId  the sandbox checkout (test money), ?token=
 *   /donations/:donationId   the donor's page: receipts checked in the browser, the trace
 *   /receipts/:donationId    the public receipt (the PDF's QR code): checked in the browser
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
              {/* projects & spending (charity side) */}
              <Route
                path="charities/:orgId/projects"
                element={
                  <RequireUser>
                    <CharityProjectsPage />
                  </RequireUser>
                }
              />
              <Route
                path="charities/:orgId/projects/new"
                element={
                  <RequireUser>
                    <NewProjectPage />
                  </RequireUser>
                }
              />
              <Route
                path="charities/:orgId/projects/:projectId/edit"
                element={
                  <RequireUser>
                    <EditProjectPage />
                  </RequireUser>
                }
              />
              <Route
                path="charities/:orgId/projects/:projectId/disburse"
                element={
                  <RequireUser>
                    <DisbursePage />
                  </RequireUser>
                }
              />
              <Route
                path="charities/:orgId/beneficiaries"
                element={
                  <RequireUser>
                    <BeneficiariesPage />
                  </RequireUser>
                }
              />
              <Route path="projects" element={<ProjectsPage />} />
              <Route path="projects/:projectId" element={<ProjectPage />} />
              <Route path="projects/:projectId/donate" element={<DonatePage />} />
              <Route path="donate/pay/:donationId" element={<SandboxPayPage />} />
              <Route
                path="donations/:donationId"
                element={
                  <Suspense fallback={<Loading />}>
                    <DonationPage />
                  </Suspense>
                }
              />
              <Route
                path="receipts/:donationId"
                element={
                  <Suspense fallback={<Loading />}>
                    <ReceiptPage />
                  </Suspense>
                }
              />
              <Route path="ack" element={<AckCodeEntryPage />} />
              <Route path="ack/:code" element={<AckPage />} />
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
                path="audit"
                element={
                  <RequireUser>
                    <AuditPage />
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
