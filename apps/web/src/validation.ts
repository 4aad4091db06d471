import type { Cause, RegisterOrgBody } from '@goodtrace/contract';
import type { MessageKey } from './i18n';

/** A field's problem as a message key, translated where it is shown. */
export interface FieldError {
  key: MessageKey;
  vars?: Record<string, number>;
}

export type FieldErrors<F extends string> = Partial<Record<F, FieldError>>;

/** A charity's form values: every field of the registration present, the cause '' until chosen. */
export type OrgInput = Omit<Required<RegisterOrgBody>, 'cause'> & { cause: Cause | '' };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Mirrors the server's rules so most mistakes are caught before a round trip. */
export function text(value: string, min: number, max: number): FieldError | undefined {
  const trimmed = value.trim();
  if (!trimmed) return { key: 'validation.required' };
  if (value.length < min) return { key: 'validation.minLength', vars: { min } };
  if (value.length > max) return { key: 'validation.maxLength', vars: { max } };
  return undefined;
}

export function email(value: string): FieldError | undefined {
  if (!value.trim()) return { key: 'validation.required' };
  if (!emailPattern.test(value.trim()) || value.length > 254) return { key: 'validation.email' };
  return undefined;
}

export function password(value: string, min = 10): FieldError | undefined {
  if (!value) return { key: 'validation.required' };
  if (value.length < min) return { key: 'validation.minLength', vars: { min } };
  if (value.length > 200) return { key: 'validation.maxLength', vars: { max: 200 } };
  return undefined;
}

export function validateOrg(input: OrgInput): FieldErrors<keyof OrgInput> {
  const errors: FieldErrors<keyof OrgInput> = {};
  const set = (field: keyof OrgInput, error: FieldError | undefined) => {
    if (error) errors[field] = error;
  };
  set('name', text(input.name, 2, 120));
  const reg = input.registrationNumber.trim();
  if (!reg) set('registrationNumber', { key: 'validation.required' });
  else if (!/^[A-Za-z0-9][A-Za-z0-9-]{3,39}$/.test(reg))
    set('registrationNumber', { key: 'validation.registrationNumber' });
  set('city', text(input.city, 1, 64));
  if (!input.cause) set('cause', { key: 'validation.required' });
  set('contactEmail', email(input.contactEmail));
  if (input.contactPhone && !/^[0-9+() -]{1,32}$/.test(input.contactPhone))
    set('contactPhone', { key: 'validation.phone' });
  if (input.website && (!/^https?:\/\/\S+$/.test(input.website) || input.website.length > 200))
    set('website', { key: 'validation.website' });
  set('description', text(input.description, 10, 4000));
  return errors;
}

export const hasErrors = (errors: object) => Object.keys(errors).length > 0;
