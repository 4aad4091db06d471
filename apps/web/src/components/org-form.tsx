import { causes } from '@goodtrace/contract/lists';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useI18n } from '../i18n';
import { type FieldErrors, hasErrors, type OrgInput, validateOrg } from '../validation';
import { FormError, SelectField, TextArea, TextField } from './fields';

export const emptyOrg: OrgInput = {
  name: '',
  registrationNumber: '',
  city: '',
  cause: '',
  contactEmail: '',
  contactPhone: null,
  website: null,
  description: '',
};

/** Trims what was typed and turns empty optional fields into null. */
export function cleanOrg(v: OrgInput): OrgInput {
  return {
    name: v.name.trim(),
    registrationNumber: v.registrationNumber.trim(),
    city: v.city.trim(),
    cause: v.cause,
    contactEmail: v.contactEmail.trim(),
    contactPhone: v.contactPhone?.trim() || null,
    website: v.website?.trim() || null,
    description: v.description.trim(),
  };
}

/**
 * The charity's details form, for registering and for editing. `actions` renders the submit
 * buttons; `onSubmit` gets the cleaned values and the name of the button that was pressed.
 */
export function OrgForm({
  initial,
  onSubmit,
  actions,
  error,
}: {
  initial: OrgInput;
  onSubmit(values: OrgInput, action: string): Promise<void>;
  actions(busy: boolean): ReactNode;
  error: string | null;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<OrgInput>(initial);
  const [errors, setErrors] = useState<FieldErrors<keyof OrgInput>>({});
  const [localError, setLocalError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof OrgInput) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));
  const msg = (f: keyof OrgInput) => {
    const e = errors[f];
    return e ? t(e.key, e.vars) : undefined;
  };

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const cleaned = cleanOrg(values);
    const found = validateOrg(cleaned);
    setErrors(found);
    if (hasErrors(found)) {
      setLocalError(t('validation.fixFields'));
      return;
    }
    setLocalError(null);
    setBusy(true);
    try {
      await onSubmit(cleaned, submitter?.value ?? '');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card form-card" onSubmit={submit} noValidate>
      <FormError message={localError ?? error} />
      <TextField
        label={t('org.name')}
        name="name"
        maxLength={120}
        value={values.name}
        onChange={set('name')}
        hint={t('register.nameHint')}
        error={msg('name')}
      />
      <div className="form-row">
        <TextField
          label={t('org.registrationNumber')}
          name="registrationNumber"
          maxLength={40}
          value={values.registrationNumber}
          onChange={set('registrationNumber')}
          hint={t('register.registrationNumberHint')}
          error={msg('registrationNumber')}
        />
        <TextField
          label={t('org.city')}
          name="city"
          maxLength={64}
          autoComplete="address-level2"
          value={values.city}
          onChange={set('city')}
          error={msg('city')}
        />
      </div>
      <SelectField
        label={t('org.cause')}
        name="cause"
        value={values.cause}
        onChange={set('cause')}
        error={msg('cause')}
        options={[
          { value: '', label: t('org.chooseCause') },
          ...causes.map((c) => ({ value: c, label: t(`cause.${c}`) })),
        ]}
      />
      <div className="form-row">
        <TextField
          label={t('org.contactEmail')}
          name="contactEmail"
          type="email"
          autoComplete="email"
          value={values.contactEmail}
          onChange={set('contactEmail')}
          error={msg('contactEmail')}
        />
        <TextField
          label={t('org.contactPhone')}
          name="contactPhone"
          type="tel"
          autoComplete="tel"
          maxLength={32}
          optional
          value={values.contactPhone ?? ''}
          onChange={set('contactPhone')}
          hint={t('register.phoneHint')}
          error={msg('contactPhone')}
        />
      </div>
      <TextField
        label={t('org.website')}
        name="website"
        type="url"
        inputMode="url"
        maxLength={200}
        optional
        value={values.website ?? ''}
        onChange={set('website')}
        hint={t('register.websiteHint')}
        error={msg('website')}
      />
      <TextArea
        label={t('org.description')}
        name="description"
        rows={6}
        maxLength={4000}
        value={values.description}
        onChange={set('description')}
        hint={t('register.descriptionHint')}
        error={msg('description')}
      />
      <div className="form-actions">{actions(busy)}</div>
    </form>
  );
}
