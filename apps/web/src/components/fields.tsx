import { type ReactNode, useId } from 'react';
import { useI18n } from '../i18n';

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
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

function describedBy(id: string, hint?: string, error?: string) {
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
