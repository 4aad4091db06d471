import type { CreateProjectBody, Org, ProjectDetail } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import { type FormEvent, useRef, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router-dom';
import { get, patch, post } from '../../api';
import { Breadcrumb } from '../../components/breadcrumb';
import {
  DateField,
  FormError,
  Notice,
  SelectField,
  TextArea,
  TextField,
  YuanField,
} from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { type MessageKey, useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import type { FieldError } from '../../validation';
import { MemberOrg } from './member-org';
import { fenToYuanInput, formatFen, parseYuan } from './money';
import { useMoneyErrors, yuanErrorKey } from './money-errors';
import { ProjectNotFound } from './project-not-found';
import { ProjectStatusBadge } from './project-status-badge';
import { FilePicker, IMAGE_TYPES, useUploads } from './uploads';
import './charity-projects.css';

interface Row {
  key: string;
  id?: string;
  label: string;
  yuan: string;
}

interface Values {
  title: string;
  summary: string;
  story: string;
  cause: string;
  city: string;
  region: string;
  beneficiaryDescription: string;
  goal: string;
  startDate: string;
  endDate: string;
  budget: Row[];
}

type Errors = Record<string, FieldError>;

let rowCounter = 0;
const newRow = (line?: { id: string; label: string; amount: number }): Row => ({
  key: `r${++rowCounter}`,
  ...(line ? { id: line.id } : {}),
  label: line?.label ?? '',
  yuan: line ? fenToYuanInput(line.amount) : '',
});

function initialValues(p?: ProjectDetail): Values {
  if (!p) {
    return {
      title: '',
      summary: '',
      story: '',
      cause: '',
      city: '',
      region: '',
      beneficiaryDescription: '',
      goal: '',
      startDate: '',
      endDate: '',
      budget: [newRow()],
    };
  }
  return {
    title: p.title,
    summary: p.summary,
    story: p.story,
    cause: p.cause,
    city: p.city,
    region: p.region,
    beneficiaryDescription: p.beneficiaryDescription,
    goal: fenToYuanInput(p.goal.amount),
    startDate: p.startDate,
    endDate: p.endDate,
    budget: p.budget.filter((l) => !l.removed).map((l) => newRow(l)),
  };
}

/** The limits the server's schema sets (apps/server/src/projects/routes.ts). */
const limits = {
  title: [2, 120],
  summary: [10, 300],
  story: [10, 10_000],
  city: [1, 64],
  region: [1, 64],
  beneficiaryDescription: [3, 2000],
} as const;

/** Checks what was typed and builds the API's input, amounts in fen. */
function toInput(v: Values): { input?: CreateProjectBody; errors: Errors } {
  const found: Errors = {};
  const msg = (key: MessageKey, vars?: Record<string, number>): FieldError =>
    vars ? { key, vars } : { key };
  for (const [field, [min, max]] of Object.entries(limits)) {
    const value = v[field as keyof typeof limits].trim();
    if (!value) found[field] = msg('validation.required');
    else if (value.length < min) found[field] = msg('validation.minLength', { min });
    else if (value.length > max) found[field] = msg('validation.maxLength', { max });
  }
  const cause = causes.find((c) => c === v.cause);
  if (!cause) found.cause = msg('validation.required');
  const goal = parseYuan(v.goal);
  if (!goal.ok) found.goal = msg(yuanErrorKey[goal.reason]);
  if (!v.startDate) found.startDate = msg('validation.required');
  if (!v.endDate) found.endDate = msg('validation.required');
  else if (v.startDate && v.endDate < v.startDate) found.endDate = msg('cp.form.endBeforeStart');
  if (v.budget.length === 0) found.budget = msg('cp.form.budgetEmpty');
  const seen = new Set<string>();
  const budget: CreateProjectBody['budget'] = [];
  for (const row of v.budget) {
    const label = row.label.trim();
    if (!label) found[`${row.key}.label`] = msg('validation.required');
    else if (label.length > 80)
      found[`${row.key}.label`] = msg('validation.maxLength', { max: 80 });
    else if (seen.has(label.toLowerCase())) found[`${row.key}.label`] = msg('cp.form.lineTwice');
    seen.add(label.toLowerCase());
    const amount = parseYuan(row.yuan);
    if (!amount.ok) found[`${row.key}.amount`] = msg(yuanErrorKey[amount.reason]);
    else budget.push({ ...(row.id ? { id: row.id } : {}), label, amount: amount.fen });
  }
  if (Object.keys(found).length > 0 || !goal.ok || !cause) return { errors: found };
  return {
    errors: found,
    input: {
      title: v.title.trim(),
      summary: v.summary.trim(),
      story: v.story.trim(),
      cause,
      city: v.city.trim(),
      region: v.region.trim(),
      beneficiaryDescription: v.beneficiaryDescription.trim(),
      goal: { amount: goal.fen, currency: 'CNY' },
      budget,
      startDate: v.startDate,
      endDate: v.endDate,
    },
  };
}

/** What the budget rows say, to tell whether the person changed the budget. */
const budgetSignature = (rows: Row[]) =>
  JSON.stringify(
    rows.map((r) => {
      const amount = parseYuan(r.yuan);
      return [r.id ?? null, r.label.trim(), 'fen' in amount ? amount.fen : r.yuan];
    }),
  );

const sameBudget = (a: CreateProjectBody['budget'], b: CreateProjectBody['budget']) =>
  JSON.stringify(a.map((l) => [l.id ?? null, l.label, l.amount])) ===
  JSON.stringify(b.map((l) => [l.id ?? null, l.label, l.amount]));

/** Only what changed: a published project refuses a goal or start date even if unchanged. */
function changes(before: CreateProjectBody, after: CreateProjectBody): Partial<CreateProjectBody> {
  const out: Partial<CreateProjectBody> = {};
  const keys = [
    'title',
    'summary',
    'story',
    'cause',
    'city',
    'region',
    'beneficiaryDescription',
    'startDate',
    'endDate',
  ] as const;
  const take = <K extends keyof CreateProjectBody>(k: K) => {
    out[k] = after[k];
  };
  for (const k of keys) if (before[k] !== after[k]) take(k);
  if (before.goal.amount !== after.goal.amount) out.goal = after.goal;
  if (!sameBudget(before.budget, after.budget)) out.budget = after.budget;
  return out;
}

function ProjectForm({ org, project }: { org: Org; project?: ProjectDetail }) {
  const { t } = useI18n();
  const moneyError = useMoneyErrors();
  const navigate = useNavigate();
  const published = project !== undefined && project.status !== 'draft';
  const [values, setValues] = useState<Values>(() => initialValues(project));
  const initial = useRef(project ? toInput(initialValues(project)).input : undefined);
  const initialBudget = useRef(budgetSignature(values.budget));
  const [errors, setErrors] = useState<Errors>({});
  const [reason, setReason] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [coverRemoved, setCoverRemoved] = useState(false);
  const cover = useUploads(`/orgs/${org.id}/files`, IMAGE_TYPES);
  const coverSha = cover.done[0]?.sha256;
  const projectsUrl = `/charities/${org.id}/projects`;

  const set = (field: keyof Omit<Values, 'budget'>) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));
  const setRow = (key: string, patchRow: Partial<Row>) =>
    setValues((v) => ({
      ...v,
      budget: v.budget.map((r) => (r.key === key ? { ...r, ...patchRow } : r)),
    }));
  const err = (key: string) => {
    const e = errors[key];
    return e ? t(e.key, e.vars) : undefined;
  };

  const amounts = values.budget.map((r) => parseYuan(r.yuan));
  const budgetTotal = amounts.every((a) => 'fen' in a)
    ? amounts.reduce((s, a) => s + ('fen' in a ? a.fen : 0), 0)
    : undefined;
  const budgetChanged = published && budgetSignature(values.budget) !== initialBudget.current;

  /** Saves the form; returns false when nothing could be saved. */
  async function save(): Promise<boolean> {
    const { input, errors: found } = toInput(values);
    const needReason = published && budgetChanged && !reason.trim();
    if (needReason) found.reason = { key: 'cp.form.reasonRequired' };
    setErrors(found);
    if (!input || needReason) {
      setFormError(t('validation.fixFields'));
      return false;
    }
    setFormError(null);
    const coverChange =
      coverSha !== undefined
        ? { coverSha256: coverSha }
        : coverRemoved
          ? { coverSha256: null }
          : {};
    try {
      if (!project) {
        const created = await post<ProjectDetail>(`/orgs/${org.id}/projects`, {
          ...input,
          ...coverChange,
        });
        navigate(`${projectsUrl}/${created.id}/edit`, {
          replace: true,
          state: { notice: 'cp.form.created' },
        });
        return true;
      }
      const body: Record<string, unknown> = { ...changes(initial.current!, input), ...coverChange };
      if (published) {
        delete body.goal;
        delete body.startDate;
        if (body.budget) body.budgetChangeReason = reason.trim();
      }
      if (Object.keys(body).length > 0) {
        await patch<ProjectDetail>(`/orgs/${org.id}/projects/${project.id}`, body);
      }
      return true;
    } catch (e) {
      setFormError(moneyError(e));
      return false;
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      if ((await save()) && project) navigate(projectsUrl, { state: { notice: 'cp.form.saved' } });
    } finally {
      setBusy(false);
    }
  }

  async function publish() {
    if (!project) return;
    setBusy(true);
    try {
      if (!(await save())) return;
      await post<ProjectDetail>(`/orgs/${org.id}/projects/${project.id}/publish`);
      navigate(projectsUrl, { state: { notice: 'cp.form.publishedNotice' } });
    } catch (e) {
      setFormError(moneyError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card form-card" onSubmit={submit} noValidate>
      <FormError message={formError} />
      <TextField
        label={t('cp.form.title')}
        name="title"
        maxLength={120}
        value={values.title}
        onChange={set('title')}
        error={err('title')}
      />
      <TextArea
        label={t('cp.form.summary')}
        name="summary"
        rows={2}
        maxLength={300}
        value={values.summary}
        onChange={set('summary')}
        hint={t('cp.form.summaryHint')}
        error={err('summary')}
      />
      <TextArea
        label={t('cp.form.story')}
        name="story"
        rows={7}
        maxLength={10_000}
        value={values.story}
        onChange={set('story')}
        hint={t('cp.form.storyHint')}
        error={err('story')}
      />
      <SelectField
        label={t('org.cause')}
        name="cause"
        value={values.cause}
        onChange={set('cause')}
        error={err('cause')}
        options={[
          { value: '', label: t('org.chooseCause') },
          ...causes.map((c) => ({ value: c, label: t(`cause.${c}`) })),
        ]}
      />
      <div className="form-row">
        <TextField
          label={t('org.city')}
          name="city"
          maxLength={64}
          value={values.city}
          onChange={set('city')}
          error={err('city')}
        />
        <TextField
          label={t('cp.form.region')}
          name="region"
          maxLength={64}
          value={values.region}
          onChange={set('region')}
          hint={t('cp.form.regionHint')}
          error={err('region')}
        />
      </div>
      <TextArea
        label={t('cp.form.beneficiaryDescription')}
        name="beneficiaryDescription"
        rows={3}
        maxLength={2000}
        value={values.beneficiaryDescription}
        onChange={set('beneficiaryDescription')}
        hint={t('cp.form.beneficiaryDescriptionHint')}
        error={err('beneficiaryDescription')}
      />
      <div className="form-row">
        <DateField
          label={t('cp.form.startDate')}
          name="startDate"
          value={values.startDate}
          onChange={set('startDate')}
          disabled={published}
          error={err('startDate')}
          {...(published ? { hint: t('cp.form.fixedOncePublished') } : {})}
        />
        <DateField
          label={t('cp.form.endDate')}
          name="endDate"
          value={values.endDate}
          onChange={set('endDate')}
          error={err('endDate')}
        />
      </div>

      {published ? (
        <div className="field">
          <p className="field-label-static">{t('cp.goal')}</p>
          <p>
            <strong>{formatFen(project.goal.amount)}</strong>{' '}
            <span className="muted small">{t('cp.form.fixedOncePublished')}</span>
          </p>
        </div>
      ) : (
        <YuanField
          label={t('cp.form.goal')}
          name="goal"
          value={values.goal}
          onChange={set('goal')}
          hint={t('cp.form.yuanHint')}
          error={err('goal')}
        />
      )}

      <fieldset className="budget-lines">
        <legend>{t('cp.form.budget')}</legend>
        <p className="field-hint">{t('cp.form.budgetHint')}</p>
        {err('budget') && <p className="field-error">{err('budget')}</p>}
        {values.budget.map((row, i) => {
          const n = i + 1;
          const spent = project?.budget.find((l) => l.id === row.id)?.spent ?? 0;
          return (
            <fieldset key={row.key} className="budget-line">
              <legend>{t('cp.form.line', { n })}</legend>
              <div className="budget-line-fields">
                <TextField
                  label={t('cp.form.lineLabel')}
                  name={`budget-${n}-label`}
                  maxLength={80}
                  value={row.label}
                  onChange={(label) => setRow(row.key, { label })}
                  error={err(`${row.key}.label`)}
                />
                <YuanField
                  label={t('cp.form.lineAmount')}
                  name={`budget-${n}-amount`}
                  value={row.yuan}
                  onChange={(yuan) => setRow(row.key, { yuan })}
                  error={err(`${row.key}.amount`)}
                  {...(spent > 0
                    ? { hint: t('cp.form.lineSpent', { amount: formatFen(spent) }) }
                    : {})}
                />
              </div>
              {values.budget.length > 1 && (
                <button
                  type="button"
                  className="button button-ghost button-small"
                  aria-label={t('cp.form.removeLineN', { n })}
                  onClick={() =>
                    setValues((v) => ({ ...v, budget: v.budget.filter((r) => r.key !== row.key) }))
                  }
                >
                  {t('cp.form.removeLine')}
                </button>
              )}
            </fieldset>
          );
        })}
        <div className="budget-foot">
          <button
            type="button"
            className="button button-secondary button-small"
            disabled={values.budget.length >= 50}
            onClick={() => setValues((v) => ({ ...v, budget: [...v.budget, newRow()] }))}
          >
            + {t('cp.form.addLine')}
          </button>
          {budgetTotal !== undefined && (
            <span className="muted">
              {t('cp.form.budgetTotal', { amount: formatFen(budgetTotal) })}
            </span>
          )}
        </div>
      </fieldset>

      {published && budgetChanged && (
        <div className="banner banner-pending banner-compact budget-reason">
          <p>{t('cp.form.budgetPublicNote')}</p>
          <TextArea
            label={t('cp.form.reason')}
            name="budgetChangeReason"
            rows={2}
            maxLength={500}
            value={reason}
            onChange={setReason}
            error={err('reason')}
          />
        </div>
      )}

      <div className="cover-field">
        {project?.coverUrl && !coverRemoved && !coverSha && (
          <figure className="cover-preview">
            <img src={project.coverUrl} alt={t('cp.form.currentCover')} />
            <button
              type="button"
              className="button button-ghost button-small"
              onClick={() => setCoverRemoved(true)}
            >
              {t('cp.form.removeCover')}
            </button>
          </figure>
        )}
        {coverSha && (
          <figure className="cover-preview">
            <img src={`/api/files/${coverSha}`} alt={t('cp.form.newCover')} />
          </figure>
        )}
        <FilePicker
          uploads={cover}
          label={t('cp.form.cover')}
          hint={t('cp.form.coverHint')}
          accept={IMAGE_TYPES}
        />
      </div>

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || cover.busy}>
          {project ? t('cp.form.save') : t('cp.form.createDraft')}
        </button>
        <button type="button" className="button button-ghost" onClick={() => navigate(projectsUrl)}>
          {t('common.cancel')}
        </button>
      </div>

      {project?.status === 'draft' && (
        <section className="publish-panel" aria-labelledby="publish-title">
          <h2 id="publish-title">{t('cp.form.publishTitle')}</h2>
          <p>{t('cp.form.publishBody')}</p>
          {org.status !== 'verified' && (
            <p className="banner banner-pending banner-compact">
              {t('cp.form.publishNeedsVerified')}
            </p>
          )}
          <button
            type="button"
            className="button button-primary"
            disabled={busy || cover.busy || org.status !== 'verified'}
            onClick={() => void publish()}
          >
            {t('cp.form.publish')}
          </button>
        </section>
      )}
    </form>
  );
}

function NewProject({ org }: { org: Org }) {
  const { t } = useI18n();
  useDocumentTitle(t('cp.form.newTitle'));
  return (
    <section className="narrow">
      <Breadcrumb to={`/charities/${org.id}/projects`} label={t('cp.projects.title')} />
      <p className="eyebrow">{org.name}</p>
      <h1>{t('cp.form.newTitle')}</h1>
      <p className="lead">{t('cp.form.newLead')}</p>
      <ProjectForm org={org} />
    </section>
  );
}

function EditProject({ org }: { org: Org }) {
  const { t } = useI18n();
  const { projectId = '' } = useParams();
  useDocumentTitle(t('cp.form.editTitle'));
  const [load, reload] = useLoad(
    () => get<ProjectDetail>(`/orgs/${org.id}/projects/${projectId}`),
    `${org.id}/${projectId}`,
  );
  const notice = (useLocation().state as { notice?: MessageKey } | null)?.notice;
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <ProjectNotFound orgId={org.id} />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const project = load.data;
  return (
    <section className="narrow">
      <Breadcrumb to={`/charities/${org.id}/projects`} label={t('cp.projects.title')} />
      <Notice message={notice ? t(notice) : null} />
      <p className="eyebrow">{org.name}</p>
      <div className="cp-title-row">
        <h1>{t('cp.form.editTitle')}</h1>
        <ProjectStatusBadge status={project.status} />
      </div>
      {project.status === 'closed' ? (
        <p className="banner banner-rejected banner-compact">{t('cp.error.project_closed')}</p>
      ) : (
        <ProjectForm key={project.id} org={org} project={project} />
      )}
    </section>
  );
}

/** /charities/:orgId/projects/new */
export function NewProjectPage() {
  return <MemberOrg>{(org) => <NewProject org={org} />}</MemberOrg>;
}

/** /charities/:orgId/projects/:projectId/edit — edit, publish a draft, change a budget. */
export function EditProjectPage() {
  return <MemberOrg>{(org) => <EditProject org={org} />}</MemberOrg>;
}
