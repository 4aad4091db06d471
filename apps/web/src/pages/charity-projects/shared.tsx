import type { Org, ProjectStatus } from '@goodtrace/contract';
import { type ReactNode, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, get } from '../../api';
import { LoadFailed, Loading } from '../../components/load-state';
import { type MessageKey, useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { NotFoundPage } from '../not-found-page';
import type { YuanError } from './money';
import './charity-projects.css';

/**
 * The money API's error codes read in this feature's words first (`cp.error.<code>`: "the
 * unspent balance is too small" rather than a generic conflict), then the app's usual ones.
 */
export function useMoneyErrors() {
  const { maybe, errorMessage } = useI18n();
  return (err: unknown) => {
    if (err instanceof ApiError) {
      const own = maybe(`cp.error.${err.code}`);
      if (own) return own;
    }
    return errorMessage(err);
  };
}

/** Why a typed amount was refused, as a message key. */
export const yuanErrorKey: Record<YuanError, MessageKey> = {
  empty: 'validation.required',
  format: 'cp.yuan.format',
  too_small: 'cp.yuan.tooSmall',
  too_large: 'cp.yuan.tooLarge',
};

/**
 * Loads the charity of `:orgId` and shows `children` only to its members (owner or editor):
 * these pages manage the charity's money.
 */
export function MemberOrg({ children }: { children(org: Org): ReactNode }) {
  const { orgId = '' } = useParams();
  const [load, reload] = useLoad(() => get<Org>(`/orgs/${orgId}`), orgId);
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <NotFoundPage title="org.notFoundTitle" body="org.notFoundBody" />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  if (!load.data.myRole)
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  return <>{children(load.data)}</>;
}

/** "← back" links at the top of each page. */
export function Breadcrumb({ to, label }: { to: string; label: string }) {
  return (
    <p className="breadcrumb">
      <Link to={to}>← {label}</Link>
    </p>
  );
}

/**
 * A labelled control that is not a plain text box (dates, amounts, file pickers): `children`
 * gets the id and the aria-describedby to put on the control.
 */
export function Field({
  label,
  hint,
  error,
  optional,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  optional?: boolean;
  children(props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }): ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="field-optional"> ({t('common.optional')})</span>}
      </label>
      {children({
        id,
        ...(described.length ? { 'aria-describedby': described.join(' ') } : {}),
        ...(error ? { 'aria-invalid': true as const } : {}),
      })}
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** An amount in yuan, typed as text (a number input would round and reformat it). */
export function YuanField({
  label,
  name,
  value,
  onChange,
  hint,
  error,
}: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  hint?: ReactNode;
  error?: string | undefined;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(props) => (
        <div className="yuan-input">
          <span aria-hidden="true">¥</span>
          <input
            {...props}
            name={name}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        </div>
      )}
    </Field>
  );
}

export function DateField({
  label,
  name,
  value,
  onChange,
  error,
  disabled,
  max,
  hint,
}: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  disabled?: boolean;
  max?: string;
  hint?: ReactNode;
}) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <input
          {...props}
          name={name}
          type="date"
          value={value}
          max={max}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function ProjectStatusBadge({ status }: { status: ProjectStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-project-${status}`}>
      {t(`cp.status.${status}` as MessageKey)}
    </span>
  );
}

/** Copies `text`; where the clipboard is unavailable, selects `selectId`'s text instead. */
export function CopyButton({
  text,
  label,
  selectId,
}: {
  text: string;
  label: string;
  selectId: string;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setCopied(false), 2500);
    } catch {
      // An insecure context has no clipboard: select it so it can be copied by hand.
      const el = document.getElementById(selectId);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  }
  return (
    <button type="button" className="button button-secondary button-small" onClick={copy}>
      <span aria-live="polite">{copied ? `✓ ${t('cp.copied')}` : label}</span>
    </button>
  );
}

/**
 * The latest payment date the server accepts: it refuses dates after today in UTC, so in
 * China before 08:00 the local date is still "tomorrow" to it. Until the server judges dates
 * in the charity's time zone, the earlier of the two is offered.
 */
export function latestPaymentDate(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const utc = d.toISOString().slice(0, 10);
  return local < utc ? local : utc;
}

/** A project id that is not one of this charity's projects. */
export function ProjectNotFound({ orgId }: { orgId: string }) {
  const { t } = useI18n();
  useDocumentTitle(t('cp.notFoundTitle'));
  return (
    <section className="narrow empty-page">
      <h1>{t('cp.notFoundTitle')}</h1>
      <p>{t('cp.notFoundBody')}</p>
      <Link to={`/charities/${orgId}/projects`} className="button button-primary">
        {t('cp.projects.title')}
      </Link>
    </section>
  );
}
