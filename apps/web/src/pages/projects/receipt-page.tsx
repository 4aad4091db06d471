import type { EventData, ProjectSummary, Unchecked } from '@goodtrace/contract';
import { type FactResult, verifyDonation } from '@goodtrace/verify';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, get } from '../../api';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useDates } from '../../use-dates';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { Fact, loadTrust, type TrustLoad } from './fact-checks';
import { ReceiptFiles } from './receipt-files';

/**
 * /receipts/:donationId — the public receipt page, the one the printable receipt's QR code
 * opens. No token and no personal data: the donation's ledger receipt (GET /api/receipts/:id)
 * checked here against the public log before anything is marked verified. Everything shown
 * is read from the receipt's own event, so a receipt altered on its way fails its inclusion
 * proof rather than showing a different amount as verified.
 */

type ReceiptAnswer = { pending: true } | { pending: false; receipt: unknown };

async function loadReceipt(donationId: string): Promise<ReceiptAnswer> {
  const body = await get<unknown>(`/receipts/${encodeURIComponent(donationId)}`);
  // 202 while the sequencer has yet to put the event on the log.
  const b = body as { status?: unknown; event?: unknown } | null;
  if (b?.status === 'pending' && b.event === undefined) return { pending: true };
  return { pending: false, receipt: body };
}

/** What the page shows, read defensively: the receipt is whatever the network delivered. */
interface Shown {
  amount: number | null;
  currency: string;
  projectId: string | null;
  at: string | null;
  donor: string | null;
  leafIndex: number | null;
  treeSize: number | null;
}

function shownOf(receipt: unknown): Shown {
  const r = (typeof receipt === 'object' && receipt !== null ? receipt : {}) as Record<
    string,
    unknown
  >;
  const event = (typeof r.event === 'object' && r.event !== null ? r.event : {}) as Record<
    string,
    unknown
  >;
  // A donation.received as the contract names its members; nothing here trusts their types.
  const d = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Unchecked<
    EventData<'donation.received'>
  >;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    amount: num(d.amount),
    currency: str(d.currency) ?? 'CNY',
    projectId: str(d.projectId),
    at: str(event.at),
    donor: str(d.donor),
    leafIndex: num(r.leafIndex),
    treeSize: num(r.treeSize),
  };
}

/**
 * The receipt's checks (@goodtrace/verify): the log's signature and origin, the witnesses, the
 * inclusion, then that the event is this receipt id's `donation.received`. The page expects
 * nothing of its own beyond the id: what it shows is read from the event the proof vouches for.
 */
function verifyPublicReceipt(receipt: unknown, donationId: string, trust: TrustLoad): FactResult {
  if ('error' in trust) return { state: 'failed', checks: [], reason: trust.error };
  return verifyDonation(receipt, trust.trust, { donationId });
}

function NotFound() {
  const { t } = useI18n();
  useDocumentTitle(t('publicReceipt.notFoundTitle'));
  return (
    <section className="narrow empty-page" data-testid="receipt-not-found">
      <h1>{t('publicReceipt.notFoundTitle')}</h1>
      <p>{t('publicReceipt.notFoundBody')}</p>
      <Link to="/projects" className="button button-primary">
        {t('nav.projects')}
      </Link>
    </section>
  );
}

function ProjectLink({ projectId }: { projectId: string }) {
  const { t } = useI18n();
  const path = `/projects/${encodeURIComponent(projectId)}`;
  // The title is a courtesy; the link (the event's project id) is what the log says.
  const [load] = useLoad(() => get<ProjectSummary>(path), path);
  return (
    <Link to={path} data-testid="receipt-project">
      {load.state === 'done' ? load.data.title : t('publicReceipt.viewProject')}
    </Link>
  );
}

export function ReceiptPage() {
  const { donationId = '' } = useParams();
  const { t } = useI18n();
  const money = useMoney();
  const dates = useDates();
  useDocumentTitle(t('publicReceipt.title'));
  const [load, reload] = useLoad(() => loadReceipt(donationId), donationId);
  const [trustLoad, reloadTrust] = useLoad(loadTrust, 'trust');
  const [polls, setPolls] = useState(0);

  const answer = load.state === 'done' ? load.data : null;
  const receipt = answer && !answer.pending ? answer.receipt : null;
  const trust = trustLoad.state === 'done' ? trustLoad.data : null;
  const fact = useMemo(
    () => (receipt === null || !trust ? null : verifyPublicReceipt(receipt, donationId, trust)),
    [receipt, donationId, trust],
  );

  // Ask again while the event or its witnesses' cosignatures are on their way.
  const waiting = answer !== null && (answer.pending || fact?.state === 'waiting');
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
    // 400: not even a receipt id's shape; 404: no paid donation with this id.
    if (load.error instanceof ApiError && [400, 404].includes(load.error.status))
      return <NotFound />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  if (load.data.pending) {
    return (
      <section className="donation-page public-receipt">
        <header className="page-head">
          <h1>{t('publicReceipt.title')}</h1>
        </header>
        <div className="alert alert-info" role="status" data-testid="receipt-pending">
          <span className="spinner spinner-small" aria-hidden="true" /> {t('publicReceipt.pending')}
        </div>
      </section>
    );
  }

  const shown = shownOf(load.data.receipt);
  const keyName = trust && !('error' in trust) ? trust.keyName : '';

  return (
    <section className="donation-page public-receipt">
      <header className="page-head">
        <p className="eyebrow">{t('publicReceipt.eyebrow')}</p>
        <h1 data-testid="receipt-amount">
          {shown.amount === null ? t('publicReceipt.title') : money(shown.amount, shown.currency)}
        </h1>
        <p className="lead">{t('publicReceipt.lead')}</p>
      </header>

      {fact?.state === 'failed' && (
        <div className="alert alert-error" data-testid="receipt-not-verified">
          {t('publicReceipt.notVerified')}
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
            <Fact
              testId="fact-receipt"
              fact={fact}
              keyName={keyName}
              title={<p className="trace-purpose">{t('publicReceipt.fact')}</p>}
              openChecks
            />
          </section>
          <section className="card panel" aria-labelledby="details-title">
            <h2 id="details-title">{t('publicReceipt.details')}</h2>
            <dl className="details">
              {shown.projectId && (
                <>
                  <dt>{t('publicReceipt.project')}</dt>
                  <dd>
                    <ProjectLink projectId={shown.projectId} />
                  </dd>
                </>
              )}
              {shown.at && (
                <>
                  <dt>{t('publicReceipt.at')}</dt>
                  <dd>
                    <time dateTime={shown.at}>{dates.dateTime(shown.at)}</time>
                  </dd>
                </>
              )}
              <dt>{t('publicReceipt.receiptId')}</dt>
              <dd className="mono small">{donationId}</dd>
              <dt>{t('publicReceipt.logIndex')}</dt>
              <dd data-testid="receipt-index">#{shown.leafIndex ?? '?'}</dd>
              <dt>{t('publicReceipt.treeSize')}</dt>
              <dd data-testid="receipt-tree-size">{shown.treeSize ?? '?'}</dd>
            </dl>
          </section>
        </div>
        <div className="receipt-side">
          <section className="card panel" aria-labelledby="commitment-title">
            <h2 id="commitment-title">{t('publicReceipt.commitment')}</h2>
            <p className="mono small" data-testid="receipt-commitment">
              {shown.donor ?? '—'}
            </p>
            <p className="muted small">{t('publicReceipt.commitmentExplain')}</p>
          </section>
          <section className="card panel" aria-labelledby="files-title">
            <h2 id="files-title">{t('publicReceipt.files')}</h2>
            <ReceiptFiles donationId={donationId} lead={t('publicReceipt.cli')} />
          </section>
        </div>
      </div>
    </section>
  );
}
