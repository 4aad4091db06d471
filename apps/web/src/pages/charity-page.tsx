import type { Org, OrgReview } from '@goodtrace/contract';
import { Link, useLocation, useParams } from 'react-router-dom';
import { get } from '../api';
import { CauseTag, StatusBadge } from '../components/badges';
import { Notice } from '../components/fields';
import { ListView } from '../components/list-view';
import { LoadFailed, Loading } from '../components/load-state';
import { MembersPanel } from '../components/members-panel';
import { type MessageKey, useDocumentTitle, useI18n } from '../i18n';
import { isStaff, useSession } from '../session';
import { useLoad } from '../use-load';
import { FindingsPanel } from './audit/findings';
import { ProjectsPanel } from './charity-projects/projects-panel';
import { NotFoundPage } from './not-found-page';

function StatusBanner({ org }: { org: Org }) {
  const { t } = useI18n();
  if (org.status === 'pending') {
    return (
      <div className="banner banner-pending">
        <h2>{t('org.pendingTitle')}</h2>
        <p>{t('org.pendingBody')}</p>
      </div>
    );
  }
  if (org.status === 'rejected') {
    return (
      <div className="banner banner-rejected">
        <h2>{t('org.rejectedTitle')}</h2>
        {org.rejectionReason && (
          <>
            <p className="banner-label">{t('org.rejectedReason')}</p>
            <blockquote className="reason">{org.rejectionReason}</blockquote>
          </>
        )}
        {org.myRole === 'owner' ? (
          <>
            <p>{t('org.rejectedOwnerHint')}</p>
            <Link to={`/charities/${org.id}/edit`} className="button button-primary">
              {t('org.editAndResubmit')}
            </Link>
          </>
        ) : (
          org.myRole && <p>{t('org.rejectedMemberHint')}</p>
        )}
      </div>
    );
  }
  return null;
}

function ReviewHistory({ orgId }: { orgId: string }) {
  const { t, formatDate } = useI18n();
  const [load, reload] = useLoad(() => get<OrgReview[]>(`/orgs/${orgId}/reviews`), orgId);
  return (
    <section className="card panel" aria-labelledby="history-title">
      <h2 id="history-title">{t('org.history')}</h2>
      <ListView
        load={load}
        reload={reload}
        compact
        as="ol"
        className="timeline"
        empty={t('org.noHistory')}
      >
        {(r) => (
          <li key={`${r.at}-${r.decision}`} className={`timeline-${r.decision}`}>
            <strong>{t(`org.review.${r.decision}`)}</strong>{' '}
            <span className="muted">{formatDate(r.at)}</span>
            {r.reason && <p>{r.reason}</p>}
          </li>
        )}
      </ListView>
    </section>
  );
}

export function CharityPage() {
  const { orgId = '' } = useParams();
  const { t, formatDate } = useI18n();
  const { user, ready } = useSession();
  const location = useLocation();
  const notice = (location.state as { notice?: MessageKey } | null)?.notice;
  // Reload when the viewer changes: a member sees more than the public.
  const [load, reload] = useLoad(() => get<Org>(`/orgs/${orgId}`), `${orgId}:${user?.id ?? ''}`);
  useDocumentTitle(load.state === 'done' ? load.data.name : null);

  if (!ready || load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <NotFoundPage title="org.notFoundTitle" body="org.notFoundBody" />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const org = load.data;
  const insider = Boolean(org.myRole) || isStaff(user);

  return (
    <article className="charity">
      <p className="breadcrumb">
        <Link to="/charities">← {t('org.backToDirectory')}</Link>
      </p>
      <Notice message={notice ? t(notice) : null} />
      <header className="charity-head">
        <div className="org-card-tags">
          <CauseTag cause={org.cause} />
          {(insider || org.status !== 'verified') && <StatusBadge status={org.status} />}
        </div>
        <h1>{org.name}</h1>
        <p className="charity-meta">
          <span>
            <span className="icon-pin" aria-hidden="true" />
            {org.city}
          </span>
          {org.status === 'verified' && org.reviewedAt && (
            <span className="verified-note">
              <span aria-hidden="true">✓ </span>
              {t('org.verifiedOn', { date: formatDate(org.reviewedAt) })}
            </span>
          )}
        </p>
        {org.myRole && (
          <div className="charity-actions">
            <span className="muted">{t('org.yourRole', { role: t(`role.${org.myRole}`) })}</span>
            <Link to={`/charities/${org.id}/edit`} className="button button-secondary button-small">
              {t('org.edit')}
            </Link>
          </div>
        )}
      </header>

      <StatusBanner org={org} />

      <div className="charity-body">
        <section className="card panel charity-about" aria-labelledby="about-title">
          <h2 id="about-title">{t('org.about')}</h2>
          <p className="prewrap">{org.description}</p>
        </section>
        <aside className="card panel charity-details" aria-labelledby="details-title">
          <h2 id="details-title">{t('org.details')}</h2>
          <dl className="details">
            <dt>{t('org.registrationNumber')}</dt>
            <dd className="mono">{org.registrationNumber}</dd>
            <dt>{t('org.cause')}</dt>
            <dd>
              <CauseTag cause={org.cause} />
            </dd>
            <dt>{t('org.city')}</dt>
            <dd>{org.city}</dd>
            <dt>{t('org.contactEmail')}</dt>
            <dd>
              <a href={`mailto:${org.contactEmail}`}>{org.contactEmail}</a>
            </dd>
            {org.contactPhone && (
              <>
                <dt>{t('org.contactPhone')}</dt>
                <dd>
                  <a href={`tel:${org.contactPhone.replace(/[^0-9+]/g, '')}`}>{org.contactPhone}</a>
                </dd>
              </>
            )}
            {org.website && (
              <>
                <dt>{t('org.website')}</dt>
                <dd>
                  <a href={org.website} rel="noopener noreferrer nofollow" target="_blank">
                    {org.website}
                  </a>
                </dd>
              </>
            )}
          </dl>
          <p className="muted small">
            {t('org.registeredOn', { date: formatDate(org.createdAt) })}
          </p>
        </aside>
      </div>

      {insider && (
        <div className="charity-insider">
          <ProjectsPanel org={org} />
          <FindingsPanel org={org} />
          <MembersPanel org={org} />
          <ReviewHistory orgId={org.id} />
        </div>
      )}
    </article>
  );
}
