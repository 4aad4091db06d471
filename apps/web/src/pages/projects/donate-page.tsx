import type { DonateBody, DonationStarted, ProjectDetail } from '@goodtrace/contract';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, get, postIdempotent } from '../../api';
import { FormError, TextArea, TextField } from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { useDocumentTitle, useI18n } from '../../i18n';
import { formatYuanShort, parseYuan } from '../../money';
import { useSession } from '../../session';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import { email as checkEmail } from '../../validation';
import { NotFoundPage } from '../not-found-page';
import './projects.css';

const presets = [2000, 5000, 10000, 50000] as const;

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context; fall back to random bytes). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where the donor goes to pay: the sandbox checkout keeps the access token in its address. */
export function checkoutPath(started: DonationStarted): string | null {
  const url = started.payment.checkoutUrl;
  if (!url?.startsWith('/')) return null;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}token=${encodeURIComponent(started.accessToken)}`;
}

export function donorPagePath(donationId: string, token: string): string {
  return `/donations/${encodeURIComponent(donationId)}?token=${encodeURIComponent(token)}`;
}

function DonateForm({ project }: { project: ProjectDetail }) {
  const { t, locale, errorMessage } = useI18n();
  const money = useMoney();
  const { user } = useSession();
  const navigate = useNavigate();
  const amountGroup = useId();
  const [preset, setPreset] = useState<number | 'custom'>(5000);
  const [custom, setCustom] = useState('');
  const [frequency, setFrequency] = useState<'once' | 'monthly'>('once');
  const [anonymous, setAnonymous] = useState(false);
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [message, setMessage] = useState('');
  const [email, setEmail] = useState(user?.email ?? '');
  const [errors, setErrors] = useState<{ amount?: string; email?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stripe, setStripe] = useState<DonationStarted | null>(null);
  // One key per form: a retry of the same donation (a lost answer, a double click) reuses it
  // and the server answers with the donation already made. A changed form is a new request.
  const attempt = useRef<{ key: string; body: string } | null>(null);

  const parsed = preset === 'custom' ? parseYuan(custom) : ({ ok: true, fen: preset } as const);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const next: typeof errors = {};
    if (!parsed.ok) next.amount = t(`donate.amountError.${parsed.reason}`);
    const mail = email.trim();
    if (!user && !mail) next.email = t('donate.emailRequired');
    else if (mail && checkEmail(mail)) next.email = t('validation.email');
    setErrors(next);
    setFormError(null);
    if (!parsed.ok || next.email) return;
    const body: DonateBody = {
      amount: parsed.fen,
      currency: 'CNY',
      frequency,
      anonymous,
      displayName: anonymous ? null : displayName.trim() || null,
      message: message.trim() || null,
      email: mail || null,
    };
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { key: newIdempotencyKey(), body: text };
    setBusy(true);
    try {
      const started = await postIdempotent<DonationStarted>(
        `/projects/${project.id}/donations`,
        body,
        attempt.current.key,
      );
      const path = checkoutPath(started);
      if (started.payment.provider !== 'stripe' && path) {
        navigate(path);
        return;
      }
      setStripe(started);
    } catch (err) {
      setFormError(
        err instanceof ApiError && err.code === 'network'
          ? `${errorMessage(err)} ${t('donate.retrySafe')}`
          : errorMessage(err),
      );
    } finally {
      setBusy(false);
    }
  }

  if (stripe) {
    return (
      <div className="card panel" role="status">
        <h2>{t('donate.stripeTitle')}</h2>
        <p>{t('donate.stripeBody')}</p>
        <Link
          className="button button-secondary"
          to={donorPagePath(stripe.donation.id, stripe.accessToken)}
        >
          {t('donate.stripeOpenDonation')}
        </Link>
      </div>
    );
  }

  return (
    <form className="card form-card donate-form" onSubmit={submit} noValidate>
      <FormError message={formError} />
      <fieldset className="fieldset">
        <legend id={amountGroup}>{t('donate.amount')}</legend>
        <div className="chips" role="radiogroup" aria-labelledby={amountGroup}>
          {presets.map((fen) => (
            <label key={fen} className={`chip${preset === fen ? ' chip-on' : ''}`}>
              <input
                type="radio"
                name="amount"
                value={fen}
                checked={preset === fen}
                onChange={() => setPreset(fen)}
              />
              {formatYuanShort(fen, locale)}
            </label>
          ))}
          <label className={`chip${preset === 'custom' ? ' chip-on' : ''}`}>
            <input
              type="radio"
              name="amount"
              value="custom"
              checked={preset === 'custom'}
              onChange={() => setPreset('custom')}
            />
            {t('donate.other')}
          </label>
        </div>
        {preset === 'custom' && (
          <div className={`field${errors.amount ? ' field-invalid' : ''}`}>
            <label htmlFor="custom-amount">{t('donate.customLabel')}</label>
            <div className="yuan-input">
              <span aria-hidden="true">¥</span>
              <input
                id="custom-amount"
                name="customAmount"
                inputMode="decimal"
                autoComplete="off"
                value={custom}
                onChange={(e) => setCustom(e.target.value)}
                aria-invalid={errors.amount ? true : undefined}
                aria-describedby="custom-amount-hint"
              />
            </div>
            <p className="field-hint" id="custom-amount-hint">
              {t('donate.customHint')}
            </p>
          </div>
        )}
        {errors.amount && (
          <p className="field-error" role="alert">
            {errors.amount}
          </p>
        )}
      </fieldset>

      <fieldset className="fieldset">
        <legend>{t('donate.frequency')}</legend>
        <div className="chips">
          {(['once', 'monthly'] as const).map((f) => (
            <label key={f} className={`chip${frequency === f ? ' chip-on' : ''}`}>
              <input
                type="radio"
                name="frequency"
                value={f}
                checked={frequency === f}
                onChange={() => setFrequency(f)}
              />
              {t(`donate.frequency.${f}`)}
            </label>
          ))}
        </div>
      </fieldset>

      <div className="field field-check">
        <label>
          <input
            type="checkbox"
            name="anonymous"
            checked={anonymous}
            onChange={(e) => setAnonymous(e.target.checked)}
          />{' '}
          {t('donate.anonymous')}
        </label>
        <p className="field-hint">{t('donate.anonymousHint')}</p>
      </div>
      {!anonymous && (
        <TextField
          label={t('donate.displayName')}
          name="displayName"
          optional
          maxLength={60}
          hint={t('donate.displayNameHint')}
          value={displayName}
          onChange={setDisplayName}
        />
      )}
      <TextArea
        label={t('donate.message')}
        name="message"
        optional
        rows={3}
        maxLength={500}
        value={message}
        onChange={setMessage}
      />
      <TextField
        label={t('donate.email')}
        name="email"
        type="email"
        autoComplete="email"
        inputMode="email"
        optional={Boolean(user)}
        hint={user ? t('donate.emailHintSignedIn') : t('donate.emailHint')}
        error={errors.email}
        value={email}
        onChange={setEmail}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy
            ? t('auth.working')
            : parsed.ok
              ? t(frequency === 'monthly' ? 'donate.submitMonthly' : 'donate.submit', {
                  amount: money(parsed.fen),
                })
              : t('donate.submitNoAmount')}
        </button>
      </div>
      <p className="muted small">{t('donate.noteLog')}</p>
    </form>
  );
}

/** /projects/:projectId/donate — choose an amount and start a donation. */
export function DonatePage() {
  const { projectId = '' } = useParams();
  const { t } = useI18n();
  const { ready } = useSession();
  const [load, reload] = useLoad(
    () => get<ProjectDetail>(`/projects/${encodeURIComponent(projectId)}`),
    projectId,
  );
  useDocumentTitle(
    load.state === 'done'
      ? t('donate.title', { project: load.data.title })
      : t('donate.titleShort'),
  );
  // The form starts from the signed-in donor's name and email: wait until the session is known.
  if (load.state === 'loading' || !ready) return <Loading />;
  if (load.state === 'failed') {
    if (load.error instanceof ApiError && load.error.status === 404) return <NotFoundPage />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const p = load.data;
  return (
    <section className="narrow donate-page">
      <nav className="breadcrumb" aria-label={t('project.breadcrumb')}>
        <Link to={`/projects/${p.id}`}>{p.title}</Link>
      </nav>
      <h1>{t('donate.titleShort')}</h1>
      <p className="lead">{t('donate.lead', { project: p.title, org: p.orgName })}</p>
      {p.status === 'published' ? (
        <DonateForm project={p} />
      ) : (
        <p className="alert alert-info">{t('error.project_not_open')}</p>
      )}
    </section>
  );
}
