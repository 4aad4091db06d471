import type { DonationTrace } from '@goodtrace/contract';
import { failTrace, receiptFile, type TraceFacts, verifyTrace } from '@goodtrace/verify';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ApiError, get, query } from '../../api';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useDates } from '../../use-dates';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { NotFoundPage } from '../not-found-page';
import { EvidenceLinks } from './evidence-links';
import { Fact, loadTrust } from './fact-checks';
import { usePayee } from './labels';
import { ReceiptFiles } from './receipt-files';

/**
 * /donations/:donationId?token= — the donor's page: the donation, its receipts to download,
 * and every fact about it checked here against the public log before it is marked verified
 * (@goodtrace/verify): that it was received, what part of it paid for what, and that the
 * beneficiary confirmed. Polls while the payment, the sequencer or the witnesses are pending.
 */

/** Whether the page should ask again: a payment, an event or a cosignature is on its way. */
function stillWaiting(trace: DonationTrace, facts: TraceFacts | null): boolean {
  const d = trace.donation;
  if (d.status === 'pending') return true;
  if (d.status !== 'paid') return false;
  if (!facts) return true;
  return (
    facts.donation.state === 'waiting' ||
    facts.allocations.some(
      (a) => a.allocation.state === 'waiting' || a.acknowledgement?.state === 'waiting',
    )
  );
}

/** The donor's receipt with their secret, as `goodtrace verify` reads it (built here). */
function downloadWithSecret(trace: DonationTrace) {
  const d = trace.donation;
  const file = receiptFile(d.receipt, { secret: d.donor.secret, donationId: d.id });
  const blob = new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `goodtrace-donation-${d.id}-with-secret.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Downloads({ trace }: { trace: DonationTrace }) {
  const { t } = useI18n();
  const d = trace.donation;
  return (
    <section className="card panel" aria-labelledby="downloads-title">
      <h2 id="downloads-title">{t('receipt.downloads')}</h2>
      {d.receipt ? (
        <ReceiptFiles
          donationId={d.id}
          lead={t('receipt.cli')}
          extra={
            <button
              type="button"
              className="button button-secondary"
              onClick={() => downloadWithSecret(trace)}
            >
              {t('receipt.jsonWithSecret')}
            </button>
          }
          note={<p className="muted small">{t('receipt.secretWarning')}</p>}
        />
      ) : (
        <p className="muted">{t('receipt.notYet')}</p>
      )}
    </section>
  );
}

function Trace({
  trace,
  facts,
  keyName,
}: {
  trace: DonationTrace;
  facts: TraceFacts | null;
  keyName: string;
}) {
  const { t } = useI18n();
  const money = useMoney();
  const dates = useDates();
  const payee = usePayee();
  const d = trace.donation;
  return (
    <section className="card panel" aria-labelledby="trace-title">
      <h2 id="trace-title">{t('trace.title')}</h2>
      <p className="muted small">{t('trace.lead')}</p>
      {trace.allocations.length === 0 && <p className="empty empty-small">{t('trace.none')}</p>}
      <ol className="plain-list trace-list">
        {trace.allocations.map((a, i) => {
          const f = facts?.allocations[i];
          const ack = a.acknowledgement;
          return (
            <li key={a.disbursement.id} className="trace-item" data-testid="trace-item">
              <Fact
                testId="fact-allocation"
                fact={f?.allocation ?? null}
                keyName={keyName}
                title={
                  <>
                    <p className="trace-amount">
                      {t('trace.paidFor', { amount: money(a.amount) })}
                    </p>
                    <p className="trace-purpose">{a.disbursement.purpose}</p>
                  </>
                }
              >
                <dl className="details details-inline">
                  <dt>{t('disbursement.payee')}</dt>
                  <dd>{payee(a.disbursement.payee)}</dd>
                  <dt>{t('disbursement.date')}</dt>
                  <dd>{dates.day(a.disbursement.date)}</dd>
                  <dt>{t('disbursement.budgetLine')}</dt>
                  <dd>{a.disbursement.budgetLine.label}</dd>
                  <dt>{t('trace.wholeDisbursement')}</dt>
                  <dd>{money(a.disbursement.amount, a.disbursement.currency)}</dd>
                  <dt>{t('disbursement.evidence')}</dt>
                  <dd>
                    <EvidenceLinks files={a.disbursement.evidence} />
                  </dd>
                </dl>
              </Fact>
              {ack ? (
                <Fact
                  testId="fact-acknowledgement"
                  fact={f?.acknowledgement ?? null}
                  keyName={keyName}
                  title={
                    <p className="trace-purpose">
                      {t('trace.confirmedOn', { date: dates.dateTime(ack.at) })}
                    </p>
                  }
                >
                  {ack.note && <blockquote className="reason">{ack.note}</blockquote>}
                  {ack.photoUrl && (
                    <a href={ack.photoUrl} target="_blank" rel="noopener">
                      <img
                        className="ack-photo"
                        src={ack.photoUrl}
                        alt={t('trace.photoAlt')}
                        loading="lazy"
                      />
                    </a>
                  )}
                </Fact>
              ) : (
                <p className={`ack ${a.disbursement.overdue ? 'ack-overdue' : 'ack-waiting'}`}>
                  {a.disbursement.overdue ? t('disbursement.overdue') : t('disbursement.awaiting')}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      {d.status === 'paid' && (
        <Fact
          testId="fact-unspent"
          fact={facts?.unspent ?? null}
          keyName={keyName}
          title={
            <p className="trace-amount">{t('trace.unspent', { amount: money(trace.unspent) })}</p>
          }
        >
          <p className="muted small">{t('trace.unspentExplain')}</p>
        </Fact>
      )}
    </section>
  );
}

export function DonationPage() {
  const { donationId = '' } = useParams();
  const [search] = useSearchParams();
  const token = search.get('token') ?? '';
  const { t, maybe } = useI18n();
  const money = useMoney();
  const dates = useDates();
  useDocumentTitle(t('receipt.title'));
  const path = `/donations/${encodeURIComponent(donationId)}/trace${query({ token })}`;
  const [load, reload] = useLoad(() => get<DonationTrace>(path), path);
  const [trustLoad, reloadTrust] = useLoad(loadTrust, 'trust');
  const [polls, setPolls] = useState(0);

  const trace = load.state === 'done' ? load.data : null;
  const trust = trustLoad.state === 'done' ? trustLoad.data : null;
  const facts = useMemo(() => {
    if (!trace || !trust) return null;
    return 'error' in trust ? failTrace(trace, trust.error) : verifyTrace(trace, trust.trust);
  }, [trace, trust]);

  // Ask again while something is on its way; quickly at first, then every few seconds.
  const waiting = trace !== null && stillWaiting(trace, facts);
  useEffect(() => {
    if (!waiting || polls >= 400) return;
    const timer = setTimeout(
      () => {
        setPolls((n) => n + 1);
        reload();
      },
      polls < 30 ? 600 : 3000,
    );
    return () => clearTimeout(timer);
  }, [waiting, polls, reload]);

  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if (load.error instanceof ApiError && load.error.status === 404) return <NotFoundPage />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const d = load.data.donation;
  const keyName = trust && !('error' in trust) ? trust.keyName : '';
  const statusLabel = maybe(`donation.status.${d.status}`) ?? d.status;

  return (
    <section className="donation-page">
      <nav className="breadcrumb" aria-label={t('project.breadcrumb')}>
        <Link to={`/projects/${d.projectId}`}>{d.projectTitle}</Link>
      </nav>
      <header className="page-head">
        <p className="eyebrow">{t('receipt.eyebrow')}</p>
        <h1>{t('receipt.heading', { amount: money(d.amount, d.currency) })}</h1>
        <p className="lead">{t('pay.to', { project: d.projectTitle, org: d.orgName })}</p>
        <p>
          <span
            className={`badge ${d.status === 'paid' ? 'badge-verified' : d.status === 'pending' ? 'badge-pending' : 'badge-rejected'}`}
            data-testid="donation-status"
          >
            {statusLabel}
          </span>{' '}
          <span className="muted small">
            {d.paidAt
              ? t('receipt.paidAt', { date: dates.dateTime(d.paidAt) })
              : t('receipt.startedAt', { date: dates.dateTime(d.createdAt) })}
          </span>
        </p>
      </header>

      {d.status === 'pending' && (
        <div className="alert alert-info" role="status">
          <span className="spinner spinner-small" aria-hidden="true" /> {t('receipt.pending')}{' '}
          {d.checkoutUrl?.startsWith('/') && (
            <Link to={`${d.checkoutUrl}${query({ token })}`}>{t('receipt.continuePayment')}</Link>
          )}
        </div>
      )}
      {d.status === 'failed' && (
        <div className="alert alert-error" role="alert">
          {t('receipt.failed')}{' '}
          <Link to={`/projects/${d.projectId}/donate`}>{t('receipt.tryAgain')}</Link>
        </div>
      )}
      {d.refund && (
        <div className="alert alert-info" data-testid="donation-refund">
          {d.refund.owed > 0
            ? t('receipt.refundedOwed', {
                date: dates.dateTime(d.refund.at),
                amount: money(d.refund.owed, d.currency),
              })
            : t('receipt.refunded', { date: dates.dateTime(d.refund.at) })}
        </div>
      )}

      <div className="receipt-grid">
        <div className="receipt-main">
          <section className="card panel" aria-labelledby="verify-title">
            <h2 id="verify-title">{t('verify.title')}</h2>
            <p className="muted small">
              {t('verify.lead')} <Link to="/transparency">{t('nav.transparency')}</Link>
            </p>
            {trustLoad.state === 'failed' && (
              <LoadFailed error={trustLoad.error} retry={reloadTrust} />
            )}
            {d.status === 'paid' || d.status === 'refunded' ? (
              <Fact
                testId="fact-donation"
                fact={facts?.donation ?? null}
                keyName={keyName}
                title={<p className="trace-purpose">{t('verify.donationFact')}</p>}
                openChecks
              />
            ) : (
              <p className="muted">{t('verify.afterPayment')}</p>
            )}
          </section>
          <Trace trace={load.data} facts={facts} keyName={keyName} />
        </div>
        <div className="receipt-side">
          <section className="card panel" aria-labelledby="details-title">
            <h2 id="details-title">{t('receipt.details')}</h2>
            <dl className="details">
              <dt>{t('receipt.shownAs')}</dt>
              <dd>
                {d.anonymous ? t('project.anonymous') : (d.displayName ?? t('project.anonymous'))}
              </dd>
              {d.message && (
                <>
                  <dt>{t('donate.message')}</dt>
                  <dd>{d.message}</dd>
                </>
              )}
              {d.monthly && (
                <>
                  <dt>{t('donate.frequency')}</dt>
                  <dd>
                    {t('donate.frequency.monthly')} ·{' '}
                    {maybe(`monthly.status.${d.monthly.status}`) ?? d.monthly.status}
                  </dd>
                </>
              )}
              <dt>{t('receipt.donationId')}</dt>
              <dd className="mono small">{d.id}</dd>
              <dt>{t('receipt.commitment')}</dt>
              <dd className="mono small">{d.donor.commitment}</dd>
            </dl>
            {token && <p className="muted small">{t('receipt.keepLink')}</p>}
          </section>
          <Downloads trace={load.data} />
        </div>
      </div>
    </section>
  );
}
