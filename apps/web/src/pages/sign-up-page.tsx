import { type FormEvent, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { FormError, TextField } from '../components/fields';
import { useDocumentTitle, useI18n } from '../i18n';
import { useSession } from '../session';
import {
  email as checkEmail,
  password as checkPassword,
  type FieldErrors,
  hasErrors,
  text,
} from '../validation';
import { useReturnTo } from './sign-in-page';

type Field = 'displayName' | 'email' | 'password';

export function SignUpPage() {
  const { t, errorMessage } = useI18n();
  useDocumentTitle(t('auth.signUpTitle'));
  const { signUp } = useSession();
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const location = useLocation();
  const [values, setValues] = useState({ displayName: '', email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: Field) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: FieldErrors<Field> = {};
    const nameError = text(values.displayName, 1, 80);
    const emailError = checkEmail(values.email);
    const passwordError = checkPassword(values.password);
    if (nameError) found.displayName = nameError;
    if (emailError) found.email = emailError;
    if (passwordError) found.password = passwordError;
    setErrors(found);
    if (hasErrors(found)) {
      setFormError(t('validation.fixFields'));
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await signUp({
        displayName: values.displayName.trim(),
        email: values.email.trim(),
        password: values.password,
      });
      navigate(returnTo, { replace: true });
    } catch (err) {
      setFormError(errorMessage(err));
      setBusy(false);
    }
  }

  const msg = (f: Field) => {
    const e = errors[f];
    return e ? t(e.key, e.vars) : undefined;
  };

  return (
    <section className="auth-page">
      <div className="card auth-card">
        <h1>{t('auth.signUpTitle')}</h1>
        <p className="muted">{t('auth.signUpIntro')}</p>
        <form onSubmit={submit} noValidate className="form">
          <FormError message={formError} />
          <TextField
            label={t('auth.displayName')}
            name="displayName"
            autoComplete="name"
            maxLength={80}
            value={values.displayName}
            onChange={set('displayName')}
            hint={t('auth.displayNameHint')}
            error={msg('displayName')}
          />
          <TextField
            label={t('auth.email')}
            name="email"
            type="email"
            autoComplete="email"
            value={values.email}
            onChange={set('email')}
            error={msg('email')}
          />
          <TextField
            label={t('auth.password')}
            name="password"
            type="password"
            autoComplete="new-password"
            value={values.password}
            onChange={set('password')}
            hint={t('auth.passwordHint')}
            error={msg('password')}
          />
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? t('auth.working') : t('auth.signUpButton')}
          </button>
        </form>
        <p className="auth-switch">
          {t('auth.haveAccount')}{' '}
          <Link to="/sign-in" state={location.state}>
            {t('auth.signInLink')}
          </Link>
        </p>
      </div>
    </section>
  );
}
