import { type ReactNode, useId } from 'react';
import { useI18n } from '../i18n';

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  optional?: boolean;
}

function FieldFrame({
  id,
  label,
  error,
  hint,
  optional,
  children,
}: FieldProps & { id: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="field-optional"> ({t('common.optional')})</span>}
      </label>
      {children}
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

function describedBy(id: string, hint?: ReactNode, error?: string) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

type InputProps = FieldProps & {
  name: string;
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'email' | 'password' | 'url' | 'tel' | 'search';
  autoComplete?: string;
  inputMode?: 'text' | 'email' | 'tel' | 'url';
  maxLength?: number;
};

export function TextField({
  label,
  error,
  hint,
  optional,
  name,
  value,
  onChange,
  type = 'text',
  ...rest
}: InputProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint} optional={optional ?? false}>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

export function TextArea({
  label,
  error,
  hint,
  optional,
  name,
  value,
  onChange,
  rows = 5,
  maxLength,
}: FieldProps & {
  name: string;
  value: string;
  onChange(value: string): void;
  rows?: number;
  maxLength?: number;
}) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint} optional={optional ?? false}>
      <textarea
        id={id}
        name={name}
        rows={rows}
        value={value}
        maxLength={maxLength}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </FieldFrame>
  );
}

export function SelectField({
  label,
  error,
  hint,
  name,
  value,
  onChange,
  options,
}: FieldProps & {
  name: string;
  value: string;
  onChange(value: string): void;
  options: { value: string; label: string }[];
}) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint}>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
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
}: FieldProps & {
  children(props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true }): ReactNode;
}) {
  const id = useId();
  const described = describedBy(id, hint, error);
  return (
    <FieldFrame id={id} label={label} error={error} hint={hint} optional={optional ?? false}>
      {children({
        id,
        ...(described ? { 'aria-describedby': described } : {}),
        ...(error ? { 'aria-invalid': true as const } : {}),
      })}
    </FieldFrame>
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

/** A form-level error, announced to screen readers as soon as it appears. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert">
      {message}
    </div>
  );
}

/** A success or progress message, announced politely. */
export function Notice({ message }: { message: string | null | undefined }) {
  return (
    <div role="status" className={message ? 'alert alert-success' : 'visually-hidden'}>
      {message}
    </div>
  );
}
