import type {
  AnomalyCode,
  AnomalyList,
  CharityBooks,
  Finding,
  LogHealth,
  Org,
  Page,
  Severity,
} from '@goodtrace/contract';
import { ANOMALY_CODES, severities } from '@goodtrace/contract/lists';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { get, post, query } from '../../api';
import { FormError, Notice, SelectField, TextArea, TextField } from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { isStaff, useSession } from '../../session';
import { type Load, useLoad } from '../../use-load';
import { text } from '../../validation';
import { NotFoundPage } from '../not-found-page';
import { useMoney } from '../projects/bits';
import { BODY_MAX, FindingCard, TITLE_MAX } from './findings';
import './audit.css';

/** Seconds as "3 min" / "2 h" / "5 d". */
function useAge() {
  const { t } = useI18n();
  return (seconds: number) => {
    if (seconds < 60) return t('audit.age.seconds', { n: seconds });
    if (seconds < 3600) return t('audit.age.minutes', { n: Math.floor(seconds / 60) });
    if (seconds < 86_400) return t('audit.age.hours', { n: Math.floor(seconds / 3600) });
    return t('audit.age.days', { n: Math.floor(seconds / 86_400) });
  };
}

function HealthCard() {
  const { t, formatDate } = useI18n();
  const age = useAge();
  const [load, reload] = useLoad(() => get<LogHealth>('/audit/health'), 'health');
  return (
    <section className="card panel" aria-labelledby="health-title" data-testid="health">
      <div className="section-head">
        <h2 id="health-title">{t('audit.healthTitle')}</h2>
        <button type="button" className="button button-ghost button-small" onClick={reload}>
          {t('audit.refresh')}
        </button>
      </div>
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' && (
        <>
          <dl className="details details-inline">
            <dt>{t('log.treeSize')}</dt>
            <dd data-testid="health-size">{load.data.treeSize}</dd>
            <dt>{t('audit.checkpointAge')}</dt>
            <dd>
              {age(load.data.checkpointAgeSeconds)} ({formatDate(load.data.checkpointAt)})
            </dd>
            <dt>{t('audit.cosignedSize')}</dt>
            <dd>
              {load.data.cosigned
                ? t('audit.cosignedBy', {
                    size: load.data.cosigned.treeSize,
                    witnesses: load.data.cosigned.witnesses.join(', '),
                  })
                : t('audit.notCosigned')}
            </dd>
          </dl>
          <h3>{t('log.witnessesTitle')}</h3>
          {load.data.witnesses.length === 0 ? (
            <p className="empty empty-small">{t('log.witnessesNone')}</p>
          ) : (
            <div className="table-scroll">
              <table className="audit-table">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.witness')}</th>
                    <th scope="col" className="num">
                      {t('audit.witnessSize')}
                    </th>
                    <th scope="col" className="num">
                      {t('audit.witnessLag')}
                    </th>
                    <th scope="col">{t('audit.witnessError')}</th>
                  </tr>
                </thead>
                <tbody>
                  {load.data.witnesses.map((w) => (
                    <tr key={w.name} data-testid="health-witness">
                      <th scope="row" className="mono">
                        {w.name}
                        {!w.configured && (
                          <span className="muted small"> ({t('audit.notConfigured')})</span>
                        )}
                      </th>
                      <td className="num">{w.cosignedSize}</td>
                      <td className={`num${w.lag > 0 ? ' lagging' : ''}`}>{w.lag}</td>
                      <td className="small">{w.lastError ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3>{t('audit.alarmsTitle')}</h3>
          {load.data.alarms.length === 0 ? (
            <p className="empty empty-small">{t('audit.noAlarms')}</p>
          ) : (
            <ul className="plain-list alarms">
              {load.data.alarms.map((a) => (
                <li key={a.id} className="alert alert-error" data-testid="alarm">
                  <strong className="mono">{a.kind}</strong>
                  {a.witness && <span className="mono"> · {a.witness}</span>}
                  {a.treeSize !== null && (
                    <span> · {t('audit.alarmSize', { size: a.treeSize })}</span>
                  )}
                  <span className="muted small"> · {formatDate(a.createdAt)}</span>
                  <p className="small">{a.detail}</p>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function AnomaliesCard({
  orgs,
  orgId,
  code,
  onFilter,
}: {
  orgs: Org[];
  orgId: string;
  code: string;
  onFilter(next: { org?: string; code?: string }): void;
}) {
  const { t } = useI18n();
  const money = useMoney();
  const path = `/audit/anomalies${query({ orgId, code })}`;
  const [load, reload] = useLoad(() => get<AnomalyList>(path), path);
  return (
    <section className="card panel" aria-labelledby="anomalies-title" data-testid="anomalies">
      <div className="section-head">
        <h2 id="anomalies-title">{t('audit.anomaliesTitle')}</h2>
        {load.state === 'done' && (
          <span className="muted small">{t('audit.replayed', { count: load.data.replayed })}</span>
        )}
      </div>
      <p className="small muted">{t('audit.anomaliesLead')}</p>
      <div className="audit-filters">
        <SelectField
          label={t('audit.filterCode')}
          name="code"
          value={code}
          onChange={(v) => onFilter({ code: v })}
          options={[
            { value: '', label: t('audit.allCodes') },
            ...ANOMALY_CODES.map((c) => ({
              value: c,
              label:
                load.state === 'done'
                  ? `${t(`audit.code.${c}`)} (${load.data.counts[c] ?? 0})`
                  : t(`audit.code.${c}`),
            })),
          ]}
        />
        <SelectField
          label={t('audit.filterCharity')}
          name="org"
          value={orgId}
          onChange={(v) => onFilter({ org: v })}
          options={[
            { value: '', label: t('audit.allCharities') },
            ...orgs.map((o) => ({ value: o.id, label: o.name })),
          ]}
        />
      </div>
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' &&
        (load.data.items.length === 0 ? (
          <p className="empty empty-small">{t('audit.noAnomalies')}</p>
        ) : (
          <ul className="plain-list anomalies">
            {load.data.items.map((a) => (
              <li
                key={`${a.code}-${a.index}-${a.disbursementId ?? a.projectId}`}
                className="anomaly"
                data-testid="anomaly"
              >
                <p>
                  <span className={`badge anomaly-${a.code}`}>{t(`audit.code.${a.code}`)}</span>{' '}
                  {a.amount !== undefined && <strong>{money(a.amount)}</strong>}{' '}
                  <span className="muted small mono">#{a.index}</span>
                </p>
                <p className="small">
                  {a.orgName && (
                    <Link to={`?${new URLSearchParams({ org: a.orgId })}`}>{a.orgName}</Link>
                  )}
                  {a.projectTitle && (
                    <>
                      {' · '}
                      <Link to={`/projects/${a.projectId}`}>{a.projectTitle}</Link>
                    </>
                  )}
                </p>
                <p className="small muted">{a.message}</p>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

function BooksCard({
  load,
  reload,
  canFile,
  onFileOn,
}: {
  load: Load<CharityBooks | null>;
  reload(): void;
  canFile: boolean;
  onFileOn(disbursementId: string): void;
}) {
  const { t } = useI18n();
  const money = useMoney();
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') return <LoadFailed error={load.error} retry={reload} />;
  const books = load.data;
  if (!books) return null;
  return (
    <section className="card panel" aria-labelledby="books-title" data-testid="books">
      <div className="section-head">
        <h2 id="books-title">{t('audit.booksTitle', { name: books.org.name })}</h2>
        <span className="muted small">{t('audit.replayed', { count: books.replayed })}</span>
      </div>
      <p className="small muted">{t('audit.booksLead')}</p>
      {books.projects.length === 0 ? (
        <p className="empty empty-small">{t('audit.noProjects')}</p>
      ) : (
        <div className="table-scroll">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.project')}</th>
                {(['raised', 'allocated', 'spent', 'confirmed', 'unspent'] as const).map((k) => (
                  <th key={k} scope="col" className="num">
                    {t(`audit.money.${k}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {books.projects.map((p) => (
                <tr key={p.id} data-testid="books-project">
                  <th scope="row">
                    <Link to={`/projects/${p.id}`}>{p.title ?? p.id}</Link>
                  </th>
                  <td className="num">{money(p.raised - p.refunded)}</td>
                  <td className="num">{money(p.allocated)}</td>
                  <td className="num">{money(p.spent)}</td>
                  <td className="num">{money(p.confirmed)}</td>
                  <td className="num">{money(p.unspent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t('audit.disbursementsTitle')}</h3>
      {books.disbursements.length === 0 ? (
        <p className="empty empty-small">{t('audit.noDisbursements')}</p>
      ) : (
        <div className="table-scroll">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.date')}</th>
                <th scope="col">{t('audit.purpose')}</th>
                <th scope="col" className="num">
                  {t('audit.amount')}
                </th>
                <th scope="col">{t('audit.confirmedCol')}</th>
                {canFile && (
                  <th scope="col" className="visually-hidden">
                    {t('audit.fileOn')}
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {books.disbursements.map((d) => (
                <tr key={d.id} data-testid="books-disbursement">
                  <td>{d.date ?? d.at.slice(0, 10)}</td>
                  <td>
                    {d.purpose ?? '—'}
                    <span className="muted small">
                      {' '}
                      · {d.budgetLine.label ?? d.budgetLine.id} · #{d.index}
                    </span>
                  </td>
                  <td className="num">{money(d.amount)}</td>
                  <td>
                    {d.confirmed ? (
                      <span className="badge badge-verified">{t('audit.confirmed')}</span>
                    ) : (
                      <span className={`badge ${d.overdue ? 'badge-rejected' : 'badge-pending'}`}>
                        {d.overdue ? t('audit.overdue') : t('audit.unconfirmed')}
                      </span>
                    )}
                  </td>
                  {canFile && (
                    <td>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        onClick={() => onFileOn(d.id)}
                      >
                        {t('audit.fileOn')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The auditor's form: a finding on a charity, or on one of its disbursements. */
function FileFindingForm({
  orgs,
  orgId,
  disbursements,
  disbursementId,
  onChange,
  onFiled,
}: {
  orgs: Org[];
  orgId: string;
  /** The chosen charity's, from its books (none while they load). */
  disbursements: CharityBooks['disbursements'];
  disbursementId: string;
  onChange(next: { org?: string; disbursement?: string }): void;
  onFiled(): void;
}) {
  const { t, errorMessage } = useI18n();
  const money = useMoney();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [severity, setSeverity] = useState<Severity>('medium');
  const [errors, setErrors] = useState<{ title?: string; body?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const titleProblem = text(title, 1, TITLE_MAX);
    const bodyProblem = text(body, 1, BODY_MAX);
    setErrors({
      ...(titleProblem ? { title: t(titleProblem.key, titleProblem.vars) } : {}),
      ...(bodyProblem ? { body: t(bodyProblem.key, bodyProblem.vars) } : {}),
    });
    if (titleProblem || bodyProblem || !orgId) return;
    setBusy(true);
    setError(null);
    try {
      await post('/audit/findings', {
        orgId,
        disbursementId: disbursementId || null,
        title: title.trim(),
        body: body.trim(),
        severity,
      });
      setTitle('');
      setBody('');
      onFiled();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card panel" aria-labelledby="file-title" id="file-finding">
      <h2 id="file-title">{t('audit.fileTitle')}</h2>
      <p className="small muted">{t('audit.fileLead')}</p>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={error} />
        <SelectField
          label={t('audit.charity')}
          name="orgId"
          value={orgId}
          onChange={(v) => onChange({ org: v, disbursement: '' })}
          options={[
            { value: '', label: t('audit.chooseCharity') },
            ...orgs.map((o) => ({ value: o.id, label: o.name })),
          ]}
        />
        <SelectField
          label={t('audit.subject')}
          name="disbursementId"
          value={disbursementId}
          onChange={(v) => onChange({ disbursement: v })}
          options={[
            { value: '', label: t('audit.subjectCharity') },
            ...disbursements.map((d) => ({
              value: d.id,
              label: `${d.date ?? d.at.slice(0, 10)} · ${money(d.amount)} · ${d.purpose ?? ''}`,
            })),
          ]}
        />
        <SelectField
          label={t('audit.severityLabel')}
          name="severity"
          value={severity}
          onChange={(v) => setSeverity(v as Severity)}
          options={severities.map((s) => ({ value: s, label: t(`audit.severity.${s}`) }))}
        />
        <TextField
          label={t('audit.titleLabel')}
          name="title"
          maxLength={TITLE_MAX}
          value={title}
          onChange={setTitle}
          error={errors.title}
        />
        <TextArea
          label={t('audit.bodyLabel')}
          name="body"
          rows={5}
          maxLength={BODY_MAX}
          value={body}
          onChange={setBody}
          error={errors.body}
          hint={t('audit.bodyHint')}
        />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy || !orgId}>
            {t('audit.fileSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}

function FindingsCard({
  orgId,
  canClose,
  round,
}: {
  orgId: string;
  canClose: boolean;
  round: number;
}) {
  const { t, errorMessage } = useI18n();
  const path = `/audit/findings${query({ orgId })}`;
  const [load, reload] = useLoad(() => get<{ items: Finding[] }>(path), `${path}:${round}`);
  const [error, setError] = useState<string | null>(null);
  async function close(id: string) {
    setError(null);
    try {
      await post(`/audit/findings/${id}/close`);
      reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  }
  return (
    <section className="card panel" aria-labelledby="all-findings-title" data-testid="findings">
      <div className="section-head">
        <h2 id="all-findings-title">{t('audit.findingsTitle')}</h2>
        <button type="button" className="button button-ghost button-small" onClick={reload}>
          {t('audit.refresh')}
        </button>
      </div>
      <FormError message={error} />
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' &&
        (load.data.items.length === 0 ? (
          <p className="empty empty-small">{t('audit.noFindings')}</p>
        ) : (
          <ul className="plain-list findings-list">
            {load.data.items.map((f) => (
              <FindingCard key={f.id} finding={f} showCharity>
                {canClose && f.status !== 'closed' && (
                  <div className="form-actions">
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      onClick={() => void close(f.id)}
                    >
                      {t('audit.close')}
                    </button>
                  </div>
                )}
              </FindingCard>
            ))}
          </ul>
        ))}
    </section>
  );
}

/**
 * The auditor's console: the log's health, the anomalies recomputed from the log, a charity's
 * books, and findings. Auditors file and close findings; admins read.
 */
export function AuditPage() {
  const { t } = useI18n();
  useDocumentTitle(t('audit.title'));
  const { user } = useSession();
  const [search, setSearch] = useSearchParams();
  const orgId = search.get('org') ?? '';
  const code = ANOMALY_CODES.includes(search.get('code') as AnomalyCode)
    ? (search.get('code') as string)
    : '';
  const disbursementId = search.get('disbursement') ?? '';
  const [orgs] = useLoad(
    () => get<Page<Org>>(`/admin/orgs${query({ status: 'verified', pageSize: 100 })}`),
    'audit-orgs',
  );
  // One read of the chosen charity's books, for its card and the form's disbursement list.
  const [books, reloadBooks] = useLoad(
    () =>
      orgId
        ? get<CharityBooks>(`/orgs/${orgId}/audit/books`)
        : Promise.resolve<CharityBooks | null>(null),
    `books:${orgId}`,
  );
  const [round, setRound] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  if (!isStaff(user)) {
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  }
  const canFile = user?.platformRole === 'auditor';
  const orgList = orgs.state === 'done' ? orgs.data.items : [];

  function update(next: { org?: string; code?: string; disbursement?: string }) {
    const params = new URLSearchParams(search);
    for (const [k, v] of Object.entries(next)) {
      if (v) params.set(k, v);
      else params.delete(k);
    }
    setSearch(params, { replace: true });
  }

  return (
    <article className="audit">
      <header className="page-head">
        <p className="eyebrow">{t('audit.eyebrow')}</p>
        <h1>{t('audit.title')}</h1>
        <p className="lead">{t('audit.lead')}</p>
        {!canFile && <p className="alert alert-info">{t('audit.adminNote')}</p>}
      </header>
      <Notice message={notice} />
      <div className="audit-grid">
        <HealthCard />
        <AnomaliesCard orgs={orgList} orgId={orgId} code={code} onFilter={(next) => update(next)} />
      </div>
      <div className="audit-wide">
        {orgId ? (
          <BooksCard
            load={books}
            reload={reloadBooks}
            canFile={canFile}
            onFileOn={(id) => {
              update({ disbursement: id });
              document.getElementById('file-finding')?.scrollIntoView();
            }}
          />
        ) : (
          <section className="card panel">
            <h2>{t('audit.booksAny')}</h2>
            <p className="empty empty-small">{t('audit.chooseCharityHint')}</p>
          </section>
        )}
      </div>
      <div className="audit-grid">
        {canFile && (
          <FileFindingForm
            orgs={orgList}
            orgId={orgId}
            disbursements={books.data?.disbursements ?? []}
            disbursementId={disbursementId}
            onChange={(next) => update(next)}
            onFiled={() => {
              setNotice(t('audit.filed'));
              update({ disbursement: '' });
              setRound((r) => r + 1);
            }}
          />
        )}
        <FindingsCard orgId={orgId} canClose={canFile} round={round} />
      </div>
    </article>
  );
}
