import type { Invitation, Org } from '@goodtrace/contract';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { get, post } from '../api';
import { StatusBadge } from '../components/badges';
import { FormError, Notice } from '../components/fields';
import { ListView } from '../components/list-view';
import { LoadFailed } from '../components/load-state';
import { useDocumentTitle, useI18n } from '../i18n';
import { isStaff, useSession } from '../session';
import { useLoad } from '../use-load';
import { MyDonations } from './projects/my-donations';

function Invitations({ onAccepted }: { onAccepted(): void }) {
  const { t, errorMessage } = useI18n();
  const [load, reload] = useLoad(() => get<Invitation[]>('/me/invitations'), 'invitations');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [joined, setJoined] = useState<{ orgId: string; orgName: string } | null>(null);

  async function accept(inv: Invitation) {
    setBusy(inv.id);
    setError(null);
    try {
      await post(`/me/invitations/${inv.id}/accept`);
      setNotice(t('dashboard.accepted', { org: inv.orgName }));
      setJoined({ orgId: inv.orgId, orgName: inv.orgName });
      reload();
      onAccepted();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  const items = load.state === 'done' ? load.data : [];
  if (load.state === 'failed') return <LoadFailed error={load.error} retry={reload} />;
  if (items.length === 0 && !notice && !error) return null;
  return (
    <section className="card panel invitations" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('dashboard.invitations')}</h2>
      <FormError message={error} />
      <Notice message={notice} />
      {joined && (
        <p>
          <Link to={`/charities/${joined.orgId}`}>{joined.orgName}</Link>
        </p>
      )}
      <ul className="plain-list">
        {items.map((inv) => (
          <li key={inv.id} className="invitation">
            <p>
              {t('dashboard.invitation', {
                inviter: inv.invitedBy,
                org: inv.orgName,
                role: t(`role.${inv.role}`),
              })}
            </p>
            <button
              type="button"
              className="button button-primary button-small"
              disabled={busy !== null}
              onClick={() => void accept(inv)}
            >
              {t('dashboard.accept')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function DashboardPage() {
  const { t, formatDate } = useI18n();
  useDocumentTitle(t('dashboard.title'));
  const { user } = useSession();
  const [orgs, reload] = useLoad(() => get<Org[]>('/me/orgs'), `orgs:${user?.id}`);

  return (
    <>
      <section className="page-head page-head-row">
        <div>
          <p className="eyebrow">{t('dashboard.welcome', { name: user?.displayName ?? '' })}</p>
          <h1>{t('dashboard.title')}</h1>
        </div>
        <Link to="/charities/new" className="button button-primary">
          {t('dashboard.register')}
        </Link>
      </section>

      {/* Accepting an invitation adds a charity to the list below. */}
      <Invitations onAccepted={reload} />

      <MyDonations />

      {isStaff(user) && (
        <section className="card panel staff-panel">
          <h2>{t('dashboard.staffTitle')}</h2>
          <p>{t('dashboard.staffBody')}</p>
          <Link to="/admin" className="button button-secondary">
            {t('dashboard.openQueue')}
          </Link>
        </section>
      )}

      <section className="section">
        <ListView
          load={orgs}
          reload={reload}
          className="plain-list my-orgs"
          empty={t('dashboard.none')}
        >
          {(org) => (
            <li key={org.id} className="card my-org">
              <div className="my-org-head">
                <h3>
                  <Link to={`/charities/${org.id}`}>{org.name}</Link>
                </h3>
                <StatusBadge status={org.status} />
              </div>
              <p className="muted">
                {org.myRole && t('org.yourRole', { role: t(`role.${org.myRole}`) })} ·{' '}
                {t('org.registeredOn', { date: formatDate(org.createdAt) })}
              </p>
              {org.status === 'rejected' && org.rejectionReason && (
                <div className="banner banner-rejected banner-compact">
                  <p className="banner-label">{t('org.rejectedReason')}</p>
                  <blockquote className="reason">{org.rejectionReason}</blockquote>
                  {org.myRole === 'owner' && (
                    <Link
                      to={`/charities/${org.id}/edit`}
                      className="button button-primary button-small"
                    >
                      {t('org.editAndResubmit')}
                    </Link>
                  )}
                </div>
              )}
              {org.status === 'pending' && <p className="small">{t('org.pendingBody')}</p>}
              <p className="small">
                <Link to={`/charities/${org.id}/projects`}>{t('cp.dashboard.projects')}</Link>
              </p>
            </li>
          )}
        </ListView>
      </section>
    </>
  );
}
