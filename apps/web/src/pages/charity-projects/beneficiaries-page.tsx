import type { Beneficiary, BeneficiaryKind, Org } from '@goodtrace/contract';
import { type FormEvent, useState } from 'react';
import { get, post } from '../../api';
import { Breadcrumb } from '../../components/breadcrumb';
import { FormError, Notice, SelectField, TextField } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { type MessageKey, useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { type FieldError, text } from '../../validation';
import { MemberOrg } from './member-org';
import { useMoneyErrors } from './money-errors';
import './charity-projects.css';

export const beneficiaryKinds: BeneficiaryKind[] = ['school', 'person', 'supplier'];

/**
 * Registers a payee. Used on its own page and inline where a disbursement is recorded, so
 * a new supplier does not mean leaving a half-filled form.
 */
export function BeneficiaryForm({
  orgId,
  onCreated,
  onCancel,
}: {
  orgId: string;
  onCreated(b: Beneficiary): void;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const moneyError = useMoneyErrors();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<BeneficiaryKind>('school');
  const [region, setRegion] = useState('');
  const [errors, setErrors] = useState<{ name?: FieldError; region?: FieldError }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const found = {
      ...(text(name, 2, 120) ? { name: text(name, 2, 120) } : {}),
      ...(text(region, 1, 64) ? { region: text(region, 1, 64) } : {}),
    };
    setErrors(found);
    if (found.name || found.region) return;
    setBusy(true);
    setError(null);
    try {
      const created = await post<Beneficiary>(`/orgs/${orgId}/beneficiaries`, {
        name: name.trim(),
        kind,
        region: region.trim(),
      });
      setName('');
      setRegion('');
      onCreated(created);
    } catch (err) {
      setError(moneyError(err));
    } finally {
      setBusy(false);
    }
  }

  const msg = (e: FieldError | undefined) => (e ? t(e.key, e.vars) : undefined);
  // Inline (inside another form) it cannot be a <form> of its own: nested forms are invalid.
  const body = (
    <>
      <FormError message={error} />
      <SelectField
        label={t('cp.beneficiaries.kind')}
        name="beneficiaryKind"
        value={kind}
        onChange={(v) => setKind(v as BeneficiaryKind)}
        options={beneficiaryKinds.map((k) => ({
          value: k,
          label: t(`cp.kind.${k}` as MessageKey),
        }))}
      />
      <TextField
        label={t('cp.beneficiaries.name')}
        name="beneficiaryName"
        maxLength={120}
        value={name}
        onChange={setName}
        error={msg(errors.name)}
        hint={kind === 'person' ? t('cp.beneficiaries.personNote') : undefined}
      />
      <TextField
        label={t('cp.beneficiaries.region')}
        name="beneficiaryRegion"
        maxLength={64}
        value={region}
        onChange={setRegion}
        error={msg(errors.region)}
        hint={t('cp.beneficiaries.regionHint')}
      />
      <div className="form-actions">
        <button
          type={onCancel ? 'button' : 'submit'}
          className="button button-primary button-small"
          disabled={busy}
          onClick={onCancel ? () => void submit() : undefined}
        >
          {t('cp.beneficiaries.add')}
        </button>
        {onCancel && (
          <button type="button" className="button button-ghost button-small" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </>
  );
  return onCancel ? (
    // biome-ignore lint/a11y/useSemanticElements: a nested <form> is invalid HTML.
    <div
      className="inline-form"
      role="group"
      aria-label={t('cp.beneficiaries.addTitle')}
      onKeyDown={(e) => {
        // Enter here adds the payee; it must not submit the surrounding form.
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
          e.preventDefault();
          void submit();
        }
      }}
    >
      {body}
    </div>
  ) : (
    <form className="form" onSubmit={submit} noValidate aria-label={t('cp.beneficiaries.addTitle')}>
      {body}
    </form>
  );
}

function Beneficiaries({ org }: { org: Org }) {
  const { t, formatDate } = useI18n();
  useDocumentTitle(t('cp.beneficiaries.title'));
  const [load, reload] = useLoad(
    () => get<{ items: Beneficiary[] }>(`/orgs/${org.id}/beneficiaries`),
    org.id,
  );
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
      <Breadcrumb to={`/charities/${org.id}/projects`} label={t('cp.projects.title')} />
      <section className="page-head">
        <p className="eyebrow">{org.name}</p>
        <h1>{t('cp.beneficiaries.title')}</h1>
        <p className="lead">{t('cp.beneficiaries.lead')}</p>
      </section>
      <div className="cp-two-columns">
        <section className="card panel" aria-labelledby="beneficiary-list-title">
          <h2 id="beneficiary-list-title">{t('cp.beneficiaries.registered')}</h2>
          <ListView
            load={load}
            reload={reload}
            compact
            className="plain-list beneficiary-list"
            empty={t('cp.beneficiaries.none')}
          >
            {(b) => (
              <li key={b.id}>
                <strong>{b.name}</strong>{' '}
                <span className="role">{t(`cp.kind.${b.kind}` as MessageKey)}</span>
                <span className="muted small">
                  {' '}
                  {b.region} · {t('cp.beneficiaries.addedOn', { date: formatDate(b.createdAt) })}
                </span>
                {b.kind === 'person' && (
                  <span className="small muted beneficiary-private">
                    {t('cp.beneficiaries.personPublicAs', { region: b.region })}
                  </span>
                )}
              </li>
            )}
          </ListView>
        </section>
        <section className="card panel" aria-labelledby="beneficiary-add-title">
          <h2 id="beneficiary-add-title">{t('cp.beneficiaries.addTitle')}</h2>
          <p className="small muted">{t('cp.beneficiaries.privacy')}</p>
          <Notice message={notice} />
          <BeneficiaryForm
            orgId={org.id}
            onCreated={(b) => {
              setNotice(t('cp.beneficiaries.added', { name: b.name }));
              reload();
            }}
          />
        </section>
      </div>
    </>
  );
}

/** /charities/:orgId/beneficiaries — the charity's registered payees. */
export function BeneficiariesPage() {
  return <MemberOrg>{(org) => <Beneficiaries org={org} />}</MemberOrg>;
}
