import type { Org, ProjectSummary } from '@goodtrace/contract';
import { Link, useLocation } from 'react-router-dom';
import { get } from '../../api';
import { CauseTag } from '../../components/badges';
import { Breadcrumb } from '../../components/breadcrumb';
import { Notice } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { type MessageKey, useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { MemberOrg } from './member-org';
import { formatFen } from './money';
import { ProjectStatusBadge } from './project-status-badge';
import './charity-projects.css';

const csvTables = ['donations', 'disbursements', 'allocations', 'balances'] as const;

/** Download links for the accountant: the whole books as one workbook, or table by table. */
function BooksPanel({ orgId }: { orgId: string }) {
  const { t } = useI18n();
  return (
    <section className="card panel" aria-labelledby="books-title">
      <h2 id="books-title">{t('cp.books.title')}</h2>
      <p className="muted">{t('cp.books.lead')}</p>
      <ul className="plain-list books-links">
        <li>
          <a
            className="button button-secondary button-small"
            href={`/api/orgs/${orgId}/books.xlsx`}
            download
          >
            {t('cp.books.xlsx')}
          </a>
        </li>
        {csvTables.map((table) => (
          <li key={table}>
            <a href={`/api/orgs/${orgId}/books/${table}.csv`} download>
              {t(`cp.books.${table}` as MessageKey)} (CSV)
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ProjectItem({ orgId, p }: { orgId: string; p: ProjectSummary }) {
  const { t, tn, formatDate } = useI18n();
  const base = `/charities/${orgId}/projects/${p.id}`;
  return (
    <li className="card cp-project">
      <div className="cp-project-head">
        <h3>{p.title}</h3>
        <ProjectStatusBadge status={p.status} />
      </div>
      <p className="muted small cp-project-meta">
        <CauseTag cause={p.cause} /> {p.city} · {formatDate(p.startDate)} – {formatDate(p.endDate)}
      </p>
      <dl className="cp-figures">
        <div>
          <dt>{t('cp.goal')}</dt>
          <dd>{formatFen(p.goal.amount)}</dd>
        </div>
        <div>
          <dt>{t('cp.raised')}</dt>
          <dd>{formatFen(p.raised)}</dd>
        </div>
        <div>
          <dt>{t('cp.spent')}</dt>
          <dd>{formatFen(p.spent)}</dd>
        </div>
        <div>
          <dt>{t('cp.unspent')}</dt>
          <dd>{formatFen(p.unspent)}</dd>
        </div>
        {p.owed > 0 && (
          <div data-testid="cp-owed">
            <dt>{t('cp.owed')}</dt>
            <dd className="cp-owed-amount">{formatFen(p.owed)}</dd>
          </div>
        )}
      </dl>
      <p className="small muted">
        {tn('cp.donations', p.donations)} ·{' '}
        {t('cp.confirmedAmount', { amount: formatFen(p.confirmed) })}
      </p>
      <div className="cp-project-actions">
        <Link to={`${base}/edit`} className="button button-secondary button-small">
          {p.status === 'draft' ? t('cp.editOrPublish') : t('cp.edit')}
        </Link>
        {p.status === 'published' && (
          <>
            <Link to={`${base}/disburse`} className="button button-primary button-small">
              {t('cp.recordDisbursement')}
            </Link>
            <Link to={`/projects/${p.id}`} className="button button-ghost button-small">
              {t('cp.publicPage')}
            </Link>
          </>
        )}
      </div>
    </li>
  );
}

function Projects({ org }: { org: Org }) {
  const { t } = useI18n();
  useDocumentTitle(t('cp.projects.title'));
  const location = useLocation();
  const notice = (location.state as { notice?: MessageKey } | null)?.notice;
  const [load, reload] = useLoad(
    () => get<{ items: ProjectSummary[] }>(`/orgs/${org.id}/projects`),
    org.id,
  );
  return (
    <>
      <Breadcrumb to={`/charities/${org.id}`} label={org.name} />
      <Notice message={notice ? t(notice) : null} />
      <section className="page-head page-head-row">
        <div>
          <p className="eyebrow">{org.name}</p>
          <h1>{t('cp.projects.title')}</h1>
        </div>
        <div className="cp-head-actions">
          <Link to={`/charities/${org.id}/beneficiaries`} className="button button-secondary">
            {t('cp.beneficiaries.title')}
          </Link>
          <Link to={`/charities/${org.id}/projects/new`} className="button button-primary">
            {t('cp.newProject')}
          </Link>
        </div>
      </section>
      {org.status !== 'verified' && (
        <div className="banner banner-pending banner-compact">
          <p>{t('cp.notVerifiedNote')}</p>
        </div>
      )}
      <section className="section" aria-label={t('cp.projects.title')}>
        <ListView
          load={load}
          reload={reload}
          className="plain-list cp-projects"
          empty={t('cp.projects.none')}
        >
          {(p) => <ProjectItem key={p.id} orgId={org.id} p={p} />}
        </ListView>
      </section>
      <div className="section">
        <BooksPanel orgId={org.id} />
      </div>
    </>
  );
}

/** /charities/:orgId/projects — the charity's projects, drafts too, with their money. */
export function CharityProjectsPage() {
  return <MemberOrg>{(org) => <Projects org={org} />}</MemberOrg>;
}
