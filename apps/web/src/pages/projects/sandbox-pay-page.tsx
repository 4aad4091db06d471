import type { DonorDonation } from '@goodtrace/contract';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { ApiError, get, post, query } from '../../api';
import { FormError } from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { NotFoundPage } from '../not-found-page';
import './projects.css';
import { donorPagePath } from './donate-page';

/**
 * /donate/pay/:donationId?token= — the sandbox provider's checkout. No money moves: the
 * server signs the callback a real provider would send and puts it through the real webhook
 * route, so what follows (paid, on the log, receipts) is what real money gets.
 */
export function SandboxPayPage() {
  const { donationId = '' } = useParams();
  const [search] = useSearchParams();
  const token = search.get('token') ?? '';
  const { t, maybe, errorMessage } = useI18n();
  const money = useMoney();
  const navigate = useNavigate();
  useDocumentTitle(t('pay.title'));
  const path = `/donations/${encodeURIComponent(donationId)}${query({ token })}`;
  const [load, reload] = useLoad(() => get<DonorDonation>(path), path);
  const [busy, setBusy] = useState<null | 'succeeded' | 'failed'>(null);
  const [error, setError] = useState<string | null>(null);

  async function pay(outcome: 'succeeded' | 'failed') {
    setBusy(outcome);
    setError(null);
    try {
      await post(`/payments/sandbox/${encodeURIComponent(donationId)}/pay`, { token, outcome });
      navigate(donorPagePath(donationId, token));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  }

  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if (load.error instanceof ApiError && load.error.status === 404) return <NotFoundPage />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const d = load.data;
  return (
    <section className="narrow sandbox-page">
      <p className="sandbox-banner" role="note">
        <strong>{t('pay.testMoney')}</strong> {t('pay.testMoneyDetail')}
      </p>
      <div className="card panel sandbox-card">
        <h1>{t('pay.title')}</h1>
        <p className="sandbox-amount" data-testid="pay-amount">
          {money(d.amount, d.currency)}
        </p>
        <p>
          {t('pay.to', { project: d.projectTitle, org: d.orgName })}
          {d.monthly && ` · ${t('donate.frequency.monthly')}`}
        </p>
        <FormError message={error} />
        {d.status === 'pending' ? (
          <div className="sandbox-actions">
            <button
              type="button"
              className="button button-primary button-block"
              disabled={busy !== null}
              onClick={() => void pay('succeeded')}
            >
              {busy === 'succeeded' ? t('auth.working') : t('pay.pay')}
            </button>
            <button
              type="button"
              className="button button-secondary button-block"
              disabled={busy !== null}
              onClick={() => void pay('failed')}
            >
              {busy === 'failed' ? t('auth.working') : t('pay.decline')}
            </button>
          </div>
        ) : (
          <p className="alert alert-info">
            {t('pay.notPending', { status: maybe(`donation.status.${d.status}`) ?? d.status })}{' '}
            <Link to={donorPagePath(donationId, token)}>{t('pay.openDonation')}</Link>
          </p>
        )}
        <p className="muted small">{t('pay.explain')}</p>
      </div>
    </section>
  );
}
