import type { Org, OrgStatus, Page } from '@goodtrace/contract';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { get, post, query } from '../api';
import { CauseTag, StatusBadge } from '../components/badges';
import { FormError, Notice, TextArea, TextField } from '../components/fields';
import { ListView } from '../components/list-view';
import { useDocumentTitle, useI18n } from '../i18n';
import { isStaff, useSession } from '../session';
import { useLoad } from '../use-load';
import { useUrlSearch } from '../use-url-search';
import { text } from '../validation';
import { NotFoundPage } from './not-found-page';

const statuses: OrgStatus[] = ['pending', 'verified', 'rejected'];
const pageSize = 20;

/** One charity in the queue, with the admin's decision controls. */
function ReviewItem({
  org,
  canDecide,
  onDecided,
}: {
  org: Org;
  canDecide: boolean;
  onDecided(message: string): void;
}) {
  const { t, formatDate, errorMessage } = useI18n();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function decide(action: 'verify' | 'reject') {
    setBusy(true);
    setError(null);
    try {
      if (action === 'verify') {
        await post<Org>(`/admin/orgs/${org.id}/verify`);
        onDecided(t('admin.verifiedDone', { name: org.name }));
      } else {
        await post<Org>(`/admin/orgs/${org.id}/reject`, { reason: reason.trim() });
        onDecided(t('admin.rejectedDone', { name: org.name }));
      }
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  function submitReject(e: FormEvent) {
    e.preventDefault();
    const problem = text(reason.trim(), 5, 1000);
    setReasonError(problem ? t(problem.key, problem.vars) : undefined);
    if (!problem) void decide('reject');
  }

  const headingId = `review-${org.id}`;
  return (
    <li className="card review-item" aria-labelledby={headingId}>
      <div className="review-head">
        <div>
          <div className="org-card-tags">
            <CauseTag cause={org.cause} />
            <StatusBadge status={org.status} />
          </div>
          <h2 id={headingId} className="review-title">
            {org.name}
          </h2>
          <p className="muted small">
            {t('admin.submittedOn', { date: formatDate(org.createdAt) })}
            {org.reviewedAt && ` · ${t('admin.reviewedOn', { date: formatDate(org.reviewedAt) })}`}
          </p>
        </div>
        <Link to={`/charities/${org.id}`} className="button button-ghost button-small">
          {t('admin.openPage')}
        </Link>
      </div>
      <dl className="details details-inline">
        <dt>{t('org.registrationNumber')}</dt>
        <dd className="mono">{org.registrationNumber}</dd>
        <dt>{t('org.city')}</dt>
        <dd>{org.city}</dd>
        <dt>{t('org.contactEmail')}</dt>
        <dd>{org.contactEmail}</dd>
        {org.contactPhone && (
          <>
            <dt>{t('org.contactPhone')}</dt>
            <dd>{org.contactPhone}</dd>
          </>
        )}
        {org.website && (
          <>
            <dt>{t('org.website')}</dt>
            <dd>{org.website}</dd>
          </>
        )}
      </dl>
      <p className="review-description prewrap">{org.description}</p>
      {org.status === 'rejected' && org.rejectionReason && (
        <p className="small">
          <strong>{t('admin.reason')}:</strong> {org.rejectionReason}
        </p>
      )}
      <FormError message={error} />
      {canDecide && org.status === 'pending' && !rejecting && (
        <div className="form-actions">
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            aria-describedby={headingId}
            onClick={() => void decide('verify')}
          >
            {t('admin.verify')}
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            aria-describedby={headingId}
            onClick={() => setRejecting(true)}
          >
            {t('admin.reject')}
          </button>
        </div>
      )}
      {canDecide && org.status === 'pending' && rejecting && (
        <form className="form reject-form" onSubmit={submitReject} noValidate>
          <TextArea
            label={t('admin.rejectReason')}
            name="reason"
            rows={3}
            maxLength={1000}
            value={reason}
            onChange={setReason}
            error={reasonError}
          />
          <div className="form-actions">
            <button type="submit" className="button button-danger" disabled={busy}>
              {t('admin.confirmReject')}
            </button>
            <button
              type="button"
              className="button button-ghost"
              onClick={() => {
                setRejecting(false);
                setReasonError(undefined);
              }}
            >
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}

/** The platform's verification queue. Admins decide; auditors only look. */
export function AdminPage() {
  const { t } = useI18n();
  useDocumentTitle(t('admin.title'));
  const { user } = useSession();
  if (!isStaff(user)) {
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  }
  return <ReviewQueue canDecide={user?.platformRole === 'admin'} />;
}

function ReviewQueue({ canDecide }: { canDecide: boolean }) {
  const { t } = useI18n();
  const s = useUrlSearch({ status: 'pending', q: '' }, { status: statuses });
  const status = s.values.status as OrgStatus;
  const [notice, setNotice] = useState<string | null>(null);

  const path = `/admin/orgs${query({ status, q: s.values.q, page: s.page, pageSize })}`;
  const [load, reload] = useLoad(() => get<Page<Org>>(path), path);

  return (
    <>
      <section className="page-head">
        <h1>{t('admin.title')}</h1>
        <p className="lead">{t('admin.lead')}</p>
        {!canDecide && <p className="alert alert-info">{t('admin.auditorNote')}</p>}
      </section>
      <div className="admin-toolbar">
        <nav className="tabs" aria-label={t('admin.statusTabs')}>
          {statuses.map((v) => (
            <Link
              key={v}
              to={`?status=${v}`}
              className={`tab${v === status ? ' tab-active' : ''}`}
              aria-current={v === status ? 'page' : undefined}
              onClick={() => setNotice(null)}
            >
              {t(`admin.tab.${v}`)}
            </Link>
          ))}
        </nav>
        <search>
          <form className="inline-search" onSubmit={s.submit}>
            <TextField
              label={t('admin.search')}
              name="q"
              type="search"
              maxLength={100}
              {...s.field('q')}
            />
            <button type="submit" className="button button-secondary">
              {t('admin.searchSubmit')}
            </button>
          </form>
        </search>
      </div>
      <Notice message={notice} />
      <ListView
        load={load}
        reload={reload}
        className="plain-list review-list"
        empty={t(`admin.empty.${status}`)}
        paging={{ page: s.page, pageSize, search: s.search }}
      >
        {(org) => (
          <ReviewItem
            key={org.id}
            org={org}
            canDecide={canDecide}
            onDecided={(message) => {
              setNotice(message);
              reload();
            }}
          />
        )}
      </ListView>
    </>
  );
}
