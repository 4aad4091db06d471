import type { Finding, Org } from '@goodtrace/contract';
import { FINDING_BODY_MAX, FINDING_TITLE_MAX } from '@goodtrace/contract/lists';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { get, post } from '../../api';
import { FormError, Notice, TextArea } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { useI18n } from '../../i18n';
import { isStaff, useSession } from '../../session';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { text } from '../../validation';
import './audit.css';

export const BODY_MAX = FINDING_BODY_MAX;
export const TITLE_MAX = FINDING_TITLE_MAX;

/** A finding as both sides see it: what, on what, how serious, and the conversation. */
export function FindingCard({
  finding,
  showCharity,
  children,
}: {
  finding: Finding;
  showCharity?: boolean;
  children?: ReactNode;
}) {
  const { t, formatDate } = useI18n();
  const money = useMoney();
  const d = finding.disbursement;
  return (
    <li className="card finding" data-testid="finding" aria-labelledby={`finding-${finding.id}`}>
      <div className="finding-head">
        <h3 id={`finding-${finding.id}`}>{finding.title}</h3>
        <span className={`badge severity-${finding.severity}`}>
          {t(`audit.severity.${finding.severity}`)}
        </span>
        <span className={`badge finding-status-${finding.status}`} data-testid="finding-status">
          {t(`audit.status.${finding.status}`)}
        </span>
      </div>
      <p className="muted small">
        {showCharity && (
          <>
            <Link to={`/charities/${finding.orgId}`}>{finding.orgName}</Link> ·{' '}
          </>
        )}
        {d
          ? t('audit.onDisbursement', {
              amount: money(d.amount),
              purpose: d.purpose,
              date: d.date,
              project: finding.project?.title ?? '',
            })
          : t('audit.onCharity')}{' '}
        · {t('audit.filedOn', { date: formatDate(finding.filedAt) })}
      </p>
      <p className="prewrap">{finding.body}</p>
      {finding.answers.length > 0 && (
        <ol className="plain-list finding-answers" aria-label={t('audit.answers')}>
          {finding.answers.map((a) => (
            <li key={a.id} className="finding-answer" data-testid="finding-answer">
              <p className="small muted">
                {t('audit.answeredOn', { date: formatDate(a.answeredAt) })}
              </p>
              <p className="prewrap">{a.body}</p>
            </li>
          ))}
        </ol>
      )}
      {finding.closedAt && (
        <p className="small muted">{t('audit.closedOn', { date: formatDate(finding.closedAt) })}</p>
      )}
      {children}
    </li>
  );
}

/** The charity's answer to one finding. */
function AnswerForm({
  orgId,
  finding,
  onAnswered,
}: {
  orgId: string;
  finding: Finding;
  onAnswered(): void;
}) {
  const { t, errorMessage } = useI18n();
  const [body, setBody] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = text(body, 1, BODY_MAX);
    setFieldError(problem ? t(problem.key, problem.vars) : undefined);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await post(`/orgs/${orgId}/findings/${finding.id}/answers`, { body: body.trim() });
      setBody('');
      onAnswered();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form finding-form" onSubmit={submit} noValidate>
      <FormError message={error} />
      <TextArea
        label={t('audit.answerLabel')}
        name="answer"
        rows={3}
        maxLength={BODY_MAX}
        value={body}
        onChange={setBody}
        error={fieldError}
        hint={t('audit.answerHint')}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary button-small" disabled={busy}>
          {t('audit.answerSubmit')}
        </button>
      </div>
    </form>
  );
}

/**
 * On the charity's page, for its members (who answer) and platform staff (who read): the
 * auditors' findings on the charity.
 */
export function FindingsPanel({ org }: { org: Org }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [load, reload] = useLoad(
    () => get<{ items: Finding[] }>(`/orgs/${org.id}/findings`),
    `findings:${org.id}`,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const member = Boolean(org.myRole);
  return (
    <section className="card panel findings-panel" aria-labelledby="findings-title">
      <div className="section-head">
        <h2 id="findings-title">{t('audit.findingsTitle')}</h2>
        {isStaff(user) && (
          <Link to={`/audit?org=${org.id}`} className="button button-ghost button-small">
            {t('audit.openConsole')}
          </Link>
        )}
      </div>
      <p className="small muted">{member ? t('audit.charityLead') : t('audit.staffLead')}</p>
      <Notice message={notice} />
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list findings-list"
        empty={t('audit.noFindingsCharity')}
      >
        {(f) => (
          <FindingCard key={f.id} finding={f}>
            {member && f.status !== 'closed' && (
              <AnswerForm
                orgId={org.id}
                finding={f}
                onAnswered={() => {
                  setNotice(t('audit.answered'));
                  reload();
                }}
              />
            )}
          </FindingCard>
        )}
      </ListView>
    </section>
  );
}
