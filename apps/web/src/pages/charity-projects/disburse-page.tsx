import type { Beneficiary, Org, ProjectDetail, RecordedDisbursement } from '@goodtrace/contract';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { get, post } from '../../api';
import { Breadcrumb } from '../../components/breadcrumb';
import { CopyableText } from '../../components/copyable-text';
import { DateField, FormError, SelectField, TextArea, YuanField } from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { type MessageKey, useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import type { FieldError } from '../../validation';
import { BeneficiaryForm } from './beneficiaries-page';
import { MemberOrg } from './member-org';
import { formatFen, parseYuan } from './money';
import { useMoneyErrors, yuanErrorKey } from './money-errors';
import { latestPaymentDate } from './payment-date';
import { ProjectNotFound } from './project-not-found';
import { DOCUMENT_TYPES, FilePicker, useUploads } from './uploads';
import './charity-projects.css';

type Field = 'amount' | 'budgetLineId' | 'beneficiaryId' | 'purpose' | 'date' | 'evidence';

/**
 * The one-time confirmation code, shown once: the server keeps only its hash, so this is the
 * only moment anyone can hand it to the beneficiary.
 */
function AckCodeCard({
  result,
  amount,
  payee,
  projectsUrl,
  onAnother,
}: {
  result: RecordedDisbursement;
  amount: number;
  payee: string;
  projectsUrl: string;
  onAnother(): void;
}) {
  const { t, tn } = useI18n();
  const link = `${window.location.origin}/ack/${result.ackCode}`;
  const drawn = result.allocations.reduce((s, a) => s + a.amount, 0);
  return (
    <section className="card panel ack-code-card" aria-labelledby="recorded-title">
      <h2 id="recorded-title">{t('cp.disburse.recorded')}</h2>
      <p>{t('cp.disburse.recordedBody', { amount: formatFen(amount), payee })}</p>
      <div className="banner banner-pending once-warning" role="note">
        <p>
          <strong>{t('cp.disburse.onceTitle')}</strong>
        </p>
        <p>{t('cp.disburse.onceBody')}</p>
      </div>
      <dl className="ack-code-details">
        <dt>{t('cp.disburse.code')}</dt>
        <CopyableText
          as="dd"
          value={result.ackCode}
          className="ack-code"
          testId="ack-code"
          label={t('cp.disburse.copyCode')}
        />
        <dt>{t('cp.disburse.link')}</dt>
        <CopyableText
          as="dd"
          value={link}
          className="key-box"
          testId="ack-link"
          label={t('cp.disburse.copyLink')}
        />
      </dl>
      <p className="small muted">{t('cp.disburse.howToHand')}</p>
      <h3>{t('cp.disburse.allocationTitle')}</h3>
      <p data-testid="allocation-summary">
        {tn('cp.disburse.allocation', result.allocations.length, { amount: formatFen(drawn) })}
      </p>
      <p className="small muted">{t('cp.disburse.allocationHint')}</p>
      <div className="form-actions">
        <Link to={projectsUrl} className="button button-primary">
          {t('cp.disburse.backToProjects')}
        </Link>
        <button type="button" className="button button-secondary" onClick={onAnother}>
          {t('cp.disburse.another')}
        </button>
      </div>
    </section>
  );
}

function DisburseForm({
  org,
  project,
  onRecorded,
}: {
  org: Org;
  project: ProjectDetail;
  onRecorded(r: RecordedDisbursement, amount: number, payee: string): void;
}) {
  const { t } = useI18n();
  const moneyError = useMoneyErrors();
  const [beneficiaries, reloadBeneficiaries] = useLoad(
    () => get<{ items: Beneficiary[] }>(`/orgs/${org.id}/beneficiaries`),
    org.id,
  );
  const lines = project.budget.filter((l) => !l.removed);
  const [amount, setAmount] = useState('');
  const [budgetLineId, setBudgetLineId] = useState(lines.length === 1 ? lines[0]!.id : '');
  const [beneficiaryId, setBeneficiaryId] = useState('');
  const [adding, setAdding] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [date, setDate] = useState(latestPaymentDate);
  const [errors, setErrors] = useState<Partial<Record<Field, FieldError>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const evidence = useUploads(`/orgs/${org.id}/files`, DOCUMENT_TYPES);
  const msg = (f: Field) => {
    const e = errors[f];
    return e ? t(e.key, e.vars) : undefined;
  };
  const list = beneficiaries.state === 'done' ? beneficiaries.data.items : [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Partial<Record<Field, FieldError>> = {};
    const parsed = parseYuan(amount);
    if (!parsed.ok) found.amount = { key: yuanErrorKey[parsed.reason] };
    else if (parsed.fen > project.unspent) found.amount = { key: 'cp.error.insufficient_funds' };
    if (!budgetLineId) found.budgetLineId = { key: 'validation.required' };
    if (!beneficiaryId) found.beneficiaryId = { key: 'validation.required' };
    const p = purpose.trim();
    if (!p) found.purpose = { key: 'validation.required' };
    else if (p.length < 3) found.purpose = { key: 'validation.minLength', vars: { min: 3 } };
    if (!date) found.date = { key: 'validation.required' };
    else if (date > latestPaymentDate()) found.date = { key: 'cp.disburse.futureDate' };
    if (evidence.done.length === 0) found.evidence = { key: 'cp.disburse.evidenceRequired' };
    setErrors(found);
    if (Object.keys(found).length > 0 || !parsed.ok) {
      setFormError(t('validation.fixFields'));
      return;
    }
    if (evidence.busy) {
      setFormError(t('cp.disburse.waitUploads'));
      return;
    }
    setFormError(null);
    setBusy(true);
    try {
      const result = await post<RecordedDisbursement>(
        `/orgs/${org.id}/projects/${project.id}/disbursements`,
        {
          amount: parsed.fen,
          currency: 'CNY',
          budgetLineId,
          beneficiaryId,
          purpose: p,
          date,
          evidence: evidence.done.map((u) => ({ sha256: u.sha256!, kind: u.kind })),
        },
      );
      const payee = list.find((b) => b.id === beneficiaryId)?.name ?? '';
      onRecorded(result, parsed.fen, payee);
    } catch (err) {
      setFormError(moneyError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card form-card" onSubmit={submit} noValidate>
      <FormError message={formError} />
      <YuanField
        label={t('cp.disburse.amount')}
        name="amount"
        value={amount}
        onChange={setAmount}
        error={msg('amount')}
        hint={
          <span data-testid="unspent">
            {t('cp.disburse.unspent', { amount: formatFen(project.unspent) })}
          </span>
        }
      />
      <SelectField
        label={t('cp.disburse.budgetLine')}
        name="budgetLineId"
        value={budgetLineId}
        onChange={setBudgetLineId}
        error={msg('budgetLineId')}
        options={[
          { value: '', label: t('cp.disburse.chooseLine') },
          ...lines.map((l) => ({
            value: l.id,
            label: t('cp.disburse.lineOption', {
              label: l.label,
              spent: formatFen(l.spent),
              amount: formatFen(l.amount),
            }),
          })),
        ]}
      />
      <div className="payee-field">
        {beneficiaries.state === 'failed' ? (
          <LoadFailed error={beneficiaries.error} retry={reloadBeneficiaries} />
        ) : (
          <SelectField
            label={t('cp.disburse.payee')}
            name="beneficiaryId"
            value={beneficiaryId}
            onChange={setBeneficiaryId}
            error={msg('beneficiaryId')}
            hint={list.length === 0 ? t('cp.disburse.noPayees') : undefined}
            options={[
              {
                value: '',
                label:
                  beneficiaries.state === 'loading'
                    ? t('common.loading')
                    : t('cp.disburse.choosePayee'),
              },
              ...list.map((b) => ({
                value: b.id,
                label: `${b.name} · ${t(`cp.kind.${b.kind}` as MessageKey)} · ${b.region}`,
              })),
            ]}
          />
        )}
        {adding ? (
          <BeneficiaryForm
            orgId={org.id}
            onCancel={() => setAdding(false)}
            onCreated={(b) => {
              setAdding(false);
              setBeneficiaryId(b.id);
              reloadBeneficiaries();
            }}
          />
        ) : (
          <button
            type="button"
            className="button button-ghost button-small"
            onClick={() => setAdding(true)}
          >
            + {t('cp.disburse.newPayee')}
          </button>
        )}
      </div>
      <TextArea
        label={t('cp.disburse.purpose')}
        name="purpose"
        rows={3}
        maxLength={500}
        value={purpose}
        onChange={setPurpose}
        hint={t('cp.disburse.purposeHint')}
        error={msg('purpose')}
      />
      <DateField
        label={t('cp.disburse.date')}
        name="date"
        value={date}
        max={latestPaymentDate()}
        onChange={setDate}
        error={msg('date')}
      />
      <FilePicker
        uploads={evidence}
        label={t('cp.disburse.evidence')}
        hint={t('cp.disburse.evidenceHint')}
        accept={DOCUMENT_TYPES}
        multiple
        withKind
        error={msg('evidence')}
      />
      <p className="small muted">{t('cp.disburse.publicNote')}</p>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || evidence.busy}>
          {busy ? t('auth.working') : t('cp.disburse.submit')}
        </button>
      </div>
    </form>
  );
}

function Disburse({ org }: { org: Org }) {
  const { t } = useI18n();
  const { projectId = '' } = useParams();
  useDocumentTitle(t('cp.disburse.title'));
  const [load, reload] = useLoad(
    () => get<ProjectDetail>(`/orgs/${org.id}/projects/${projectId}`),
    `${org.id}/${projectId}`,
  );
  const [recorded, setRecorded] = useState<{
    result: RecordedDisbursement;
    amount: number;
    payee: string;
  } | null>(null);
  const [round, setRound] = useState(0);
  const projectsUrl = `/charities/${org.id}/projects`;

  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <ProjectNotFound orgId={org.id} />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const project = load.data;
  return (
    <section className="narrow">
      <Breadcrumb to={projectsUrl} label={t('cp.projects.title')} />
      <p className="eyebrow">
        {org.name} · {project.title}
      </p>
      <h1>{t('cp.disburse.title')}</h1>
      {recorded ? (
        <AckCodeCard
          {...recorded}
          projectsUrl={projectsUrl}
          onAnother={() => {
            setRecorded(null);
            setRound((r) => r + 1);
            reload();
          }}
        />
      ) : project.status !== 'published' ? (
        <p className="banner banner-pending banner-compact">{t('cp.disburse.notPublished')}</p>
      ) : (
        <>
          <p className="lead">{t('cp.disburse.lead')}</p>
          <DisburseForm
            key={round}
            org={org}
            project={project}
            onRecorded={(result, amount, payee) => {
              setRecorded({ result, amount, payee });
              window.scrollTo(0, 0);
            }}
          />
        </>
      )}
    </section>
  );
}

/** /charities/:orgId/projects/:projectId/disburse — record money paid out, with evidence. */
export function DisbursePage() {
  return <MemberOrg>{(org) => <Disburse org={org} />}</MemberOrg>;
}
