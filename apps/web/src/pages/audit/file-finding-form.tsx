import type { CharityBooks, Org, Severity } from '@goodtrace/contract';
import { severities } from '@goodtrace/contract/lists';
import { type FormEvent, useState } from 'react';
import { post } from '../../api';
import { FormError, SelectField, TextArea, TextField } from '../../components/fields';
import { useI18n } from '../../i18n';
import { useMoney } from '../../use-money';
import { text } from '../../validation';
import { BODY_MAX, TITLE_MAX } from './findings';
import './audit.css';

/** The auditor's form: a finding on a charity, or on one of its disbursements. */
export function FileFindingForm({
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
