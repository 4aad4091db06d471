import { type FormEvent, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { FormError, TextField } from '../components/fields';
import { useDocumentTitle, useI18n } from '../i18n';
import { useSession } from '../session';
import { email as checkEmail, type FieldErrors, hasErrors } from '../validation';

/** Where to go after signing in: back to the page that asked, else the dashboard. */
export function useReturnTo() {
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return from?.startsWith('/') && !from.startsWith('/sign-') ? from : '/my';
}

export function SignInPage() {
  const { t, errorMessage } = useI18n();
  const location = useLocation();
  useDocumentTitle(t('auth.signInTitle'));
  const { signIn } = useSession();
  const navigate = useNavigate();
  const returnTo = useReturnTo();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'email' | 'password'>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: FieldErrors<'email' | 'password'> = {};
    const emailError = checkEmail(email);
    if (emailError) found.email = emailError;
    if (!password) found.password = { key: 'validation.required' };
    setErrors(found);
    if (hasErrors(found)) {
      setFormError(t('validation.fixFields'));
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      await signIn(email.trim(), password);
      navigate(returnTo, { replace: true });
    } catch (err) {
      setFormError(errorMessage(err));
      setBusy(false);
    }
  }

  const msg = (f: 'email' | 'password') => {
    const e = errors[f];
    return e ? t(e.key, e.vars) : undefined;
  };

  return (
    <section className="auth-page">
      <div className="card auth-card">
        <h1>{t('auth.signInTitle')}</h1>
        <p className="muted">{t('auth.signInIntro')}</p>
        <form onSubmit={submit} noValidate className="form">
          <FormError message={formError} />
          <TextField
            label={t('auth.email')}
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
            error={msg('email')}
          />
          <TextField
            label={t('auth.password')}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={msg('password')}
          />
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? t('auth.working') : t('auth.signInButton')}
          </button>
        </form>
        <p className="auth-switch">
          {t('auth.noAccount')}{' '}
          <Link to="/sign-up" state={location.state}>
            {t('auth.signUpLink')}
          </Link>
        </p>
      </div>
    </section>
  );
}
