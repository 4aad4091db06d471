import type { Disbursement, Page, ProjectDetail, PublicDonation } from '@goodtrace/contract';
import { Link, useParams } from 'react-router-dom';
import { ApiError, get, query } from '../../api';
import { ListView } from '../../components/list-view';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useDates } from '../../use-dates';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { NotFoundPage } from '../not-found-page';
import { EvidenceLinks } from './evidence-links';
import { GoalProgress } from './goal-progress';
import { useEventType, usePayee } from './labels';
import { MoneyFlow } from './money-flow';
import './projects.css';

function Budget({ project }: { project: ProjectDetail }) {
  const { t } = useI18n();
  const money = useMoney();
  return (
    <section className="card panel" aria-labelledby="budget-title">
      <h2 id="budget-title">{t('project.budget')}</h2>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('project.budgetLine')}</th>
              <th scope="col" className="num">
                {t('project.budgeted')}
              </th>
              <th scope="col" className="num">
                {t('project.spentOnLine')}
              </th>
            </tr>
          </thead>
          <tbody>
            {project.budget.map((l) => (
              <tr key={l.id} className={l.removed ? 'removed' : undefined}>
                <th scope="row">
                  {l.label}
                  {l.removed && <span className="muted small"> ({t('project.lineRemoved')})</span>}
                </th>
                <td className="num">{money(l.amount)}</td>
                <td className="num">{money(l.spent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function DisbursementItem({ d }: { d: Disbursement }) {
  const { t } = useI18n();
  const money = useMoney();
  const dates = useDates();
  const payee = usePayee();
  return (
    <li className="disbursement" data-testid="disbursement">
      <div className="disbursement-head">
        <p className="disbursement-purpose">{d.purpose}</p>
        <p className="disbursement-amount">{money(d.amount, d.currency)}</p>
      </div>
      <dl className="details details-inline">
        <dt>{t('disbursement.payee')}</dt>
        <dd>{payee(d.payee)}</dd>
        <dt>{t('disbursement.budgetLine')}</dt>
        <dd>{d.budgetLine.label}</dd>
        <dt>{t('disbursement.date')}</dt>
        <dd>{dates.day(d.date)}</dd>
        <dt>{t('disbursement.evidence')}</dt>
        <dd>
          <EvidenceLinks files={d.evidence} />
        </dd>
        <dt>{t('disbursement.confirmation')}</dt>
        <dd>
          {d.acknowledgement ? (
            <span className="ack ack-yes">
              <span aria-hidden="true">✓ </span>
              {t('disbursement.confirmedOn', { date: dates.dateTime(d.acknowledgement.at) })}
            </span>
          ) : d.overdue ? (
            <span className="ack ack-overdue">{t('disbursement.overdue')}</span>
          ) : (
            <span className="ack ack-waiting">{t('disbursement.awaiting')}</span>
          )}
        </dd>
      </dl>
    </li>
  );
}

function Disbursements({ projectId }: { projectId: string }) {
  const { t } = useI18n();
  const [load, reload] = useLoad(
    () => get<{ items: Disbursement[] }>(`/projects/${projectId}/disbursements`),
    `disbursements:${projectId}`,
  );
  return (
    <section className="card panel" aria-labelledby="disbursements-title">
      <h2 id="disbursements-title">{t('project.disbursements')}</h2>
      <p className="muted small">{t('project.disbursementsLead')}</p>
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list disbursement-list"
        empty={t('project.noDisbursements')}
      >
        {(d) => <DisbursementItem key={d.id} d={d} />}
      </ListView>
    </section>
  );
}

function Donations({ projectId }: { projectId: string }) {
  const { t } = useI18n();
  const money = useMoney();
  const dates = useDates();
  const path = `/projects/${projectId}/donations${query({ pageSize: 20 })}`;
  const [load, reload] = useLoad(() => get<Page<PublicDonation>>(path), path);
  return (
    <section className="card panel" aria-labelledby="donations-title">
      <h2 id="donations-title">{t('project.donations')}</h2>
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list donation-list"
        empty={t('project.noDonations')}
      >
        {(d) => (
          <li key={d.receiptId} className="donation-item" data-testid="public-donation">
            <div className="donation-item-head">
              <span className="donation-name">
                {d.displayName ?? t('project.anonymous')}
                {d.monthly && <span className="tag tag-small">{t('project.monthly')}</span>}
              </span>
              <span className="donation-amount">{money(d.amount, d.currency)}</span>
            </div>
            {d.message && <p className="donation-message">“{d.message}”</p>}
            <p className="muted small">
              <time dateTime={d.paidAt}>{dates.dateTime(d.paidAt)}</time>
              {d.status === 'refunded' && ` · ${t('project.refunded')}`} ·{' '}
              <Link to={`/receipts/${d.receiptId}`}>{t('project.receipt')}</Link>
            </p>
          </li>
        )}
      </ListView>
    </section>
  );
}

function LogEvents({ project }: { project: ProjectDetail }) {
  const { t } = useI18n();
  const dates = useDates();
  const typeLabel = useEventType();
  return (
    <section className="card panel" aria-labelledby="events-title">
      <h2 id="events-title">{t('project.events')}</h2>
      <p className="muted small">
        {t('project.eventsLead')} <Link to="/transparency">{t('nav.transparency')}</Link>
      </p>
      {project.events.length === 0 ? (
        <p className="empty empty-small">{t('project.noEvents')}</p>
      ) : (
        <ol className="plain-list project-events">
          {project.events.map((e) => (
            <li key={e.outboxId} className="project-event">
              <span className="project-event-type">{typeLabel(e.type)}</span>
              <time className="muted small" dateTime={e.at}>
                {dates.dateTime(e.at)}
              </time>
              <span className={e.index === null ? 'badge badge-pending' : 'mono small'}>
                {e.index === null ? t('project.eventPending') : `#${e.index}`}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A published project for donors: what it is, where its money is, and a way to give. */
export function ProjectPage() {
  const { projectId = '' } = useParams();
  const { t, maybe } = useI18n();
  const dates = useDates();
  const [load, reload] = useLoad(
    () => get<ProjectDetail>(`/projects/${encodeURIComponent(projectId)}`),
    projectId,
  );
  useDocumentTitle(load.state === 'done' ? load.data.title : null);

  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if (load.error instanceof ApiError && load.error.status === 404) return <NotFoundPage />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const p = load.data;
  const open = p.status === 'published';
  return (
    <article className="project-page">
      <nav className="breadcrumb" aria-label={t('project.breadcrumb')}>
        <Link to="/projects">{t('projects.title')}</Link>
      </nav>
      <header className="project-head">
        {p.coverUrl && <img className="project-hero" src={p.coverUrl} alt="" />}
        <div className="project-head-text">
          <p className="org-card-tags">
            <span className="tag">{maybe(`cause.${p.cause}`) ?? p.cause}</span>
            <span className="muted small">
              {p.city}
              {p.region ? ` · ${p.region}` : ''}
            </span>
          </p>
          <h1>{p.title}</h1>
          <p className="lead">{p.summary}</p>
          <p className="muted">
            {t('projects.by')} <Link to={`/charities/${p.orgId}`}>{p.orgName}</Link> ·{' '}
            {t('project.dates', { start: dates.day(p.startDate), end: dates.day(p.endDate) })}
          </p>
        </div>
        <div className="card donate-box">
          <GoalProgress raised={p.raised} goal={p.goal.amount} />
          <p className="muted small">{t('project.donationsCount', { count: p.donations })}</p>
          {open ? (
            <Link to={`/projects/${p.id}/donate`} className="button button-primary button-block">
              {t('project.donate')}
            </Link>
          ) : (
            <p className="badge badge-pending">{t('project.closed')}</p>
          )}
        </div>
      </header>

      <div className="project-grid">
        <div className="project-main">
          <section className="card panel" aria-labelledby="story-title">
            <h2 id="story-title">{t('project.story')}</h2>
            <p className="prewrap">{p.story}</p>
            {p.beneficiaryDescription && (
              <>
                <h3>{t('project.beneficiaries')}</h3>
                <p className="prewrap">{p.beneficiaryDescription}</p>
              </>
            )}
          </section>
          <section className="card panel" aria-labelledby="flow-title">
            <h2 id="flow-title">{t('project.flow')}</h2>
            <p className="muted small">{t('project.flowLead')}</p>
            <MoneyFlow flow={p.flow} />
          </section>
          <Budget project={p} />
          <Disbursements projectId={p.id} />
        </div>
        <div className="project-side">
          <Donations projectId={p.id} />
          <LogEvents project={p} />
        </div>
      </div>
    </article>
  );
}
