import type { MyDonation, Page } from '@goodtrace/contract';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { del, get, query } from '../../api';
import { FormError, Notice } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { useI18n } from '../../i18n';
import { useDates } from '../../use-dates';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import './projects.css';

/** "My donations" on the signed-in dashboard: each with its receipt page and monthly control. */
export function MyDonations() {
  const { t, maybe, errorMessage } = useI18n();
  const money = useMoney();
  const dates = useDates();
  const path = `/my/donations${query({ pageSize: 50 })}`;
  const [load, reload] = useLoad(() => get<Page<MyDonation>>(path), path);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function stopMonthly(d: MyDonation) {
    if (!window.confirm(t('myDonations.stopConfirm', { project: d.projectTitle }))) return;
    setBusy(d.id);
    setError(null);
    setNotice(null);
    try {
      await del(`/my/donations/${d.id}/monthly`);
      setNotice(t('myDonations.stopped', { project: d.projectTitle }));
      reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card panel my-donations" aria-labelledby="my-donations-title">
      <div className="section-head">
        <h2 id="my-donations-title">{t('myDonations.title')}</h2>
        <Link to="/projects" className="button button-secondary button-small">
          {t('myDonations.browse')}
        </Link>
      </div>
      <FormError message={error} />
      <Notice message={notice} />
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list my-donation-list"
        empty={t('myDonations.none')}
      >
        {(d) => (
          <li key={d.id} className="my-donation" data-testid="my-donation">
            <div className="my-donation-head">
              <Link to={`/donations/${d.id}`} className="my-donation-title">
                {d.projectTitle}
              </Link>
              <span className="donation-amount">{money(d.amount, d.currency)}</span>
            </div>
            <p className="muted small">
              {maybe(`donation.status.${d.status}`) ?? d.status} ·{' '}
              {dates.dateTime(d.paidAt ?? d.createdAt)} ·{' '}
              {t('myDonations.spent', { amount: money(d.spent, d.currency) })}
              {d.monthly &&
                ` · ${t('donate.frequency.monthly')}: ${maybe(`monthly.status.${d.monthly}`) ?? d.monthly}`}
            </p>
            {(d.monthly === 'active' || d.monthly === 'pending') && (
              <button
                type="button"
                className="button button-secondary button-small"
                disabled={busy !== null}
                onClick={() => void stopMonthly(d)}
              >
                {t('myDonations.stop')}
              </button>
            )}
          </li>
        )}
      </ListView>
    </section>
  );
}
