import type { AckDetails } from '@goodtrace/contract';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError, get, post } from '../api';
import { FormError, TextArea, TextField } from '../components/fields';
import { LoadFailed, Loading } from '../components/load-state';
import { type MessageKey, useDocumentTitle, useI18n } from '../i18n';
import { useLoad } from '../use-load';
import { formatFen } from './charity-projects/money';
import { useMoneyErrors } from './charity-projects/money-errors';
import { FilePicker, IMAGE_TYPES, useUploads } from './charity-projects/uploads';
import './charity-projects/charity-projects.css';

/** Accepts a code as people type it: any case, spaces or dashes anywhere, or the whole link. */
function cleanCode(input: string): string {
  const fromLink = input.trim().replace(/^.*\/ack\//, '');
  return fromLink.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** A box to type the code by hand (from paper or a message) when the link cannot be opened. */
function CodeForm({ initial = '' }: { initial?: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [code, setCode] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  function submit(e: FormEvent) {
    e.preventDefault();
    const bare = cleanCode(code);
    if (bare.length !== 15) {
      setError(t('ack.codeFormat'));
      return;
    }
    setError(undefined);
    navigate(`/ack/${bare.slice(0, 5)}-${bare.slice(5, 10)}-${bare.slice(10)}`);
  }
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={t('ack.enterTitle')}>
      <TextField
        label={t('ack.code')}
        name="code"
        value={code}
        onChange={setCode}
        autoComplete="off"
        maxLength={80}
        hint={t('ack.codeHint')}
        error={error}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary">
          {t('ack.open')}
        </button>
      </div>
    </form>
  );
}

/** /ack — type the confirmation code by hand. */
export function AckCodeEntryPage() {
  const { t } = useI18n();
  useDocumentTitle(t('ack.enterTitle'));
  return (
    <section className="narrow ack-page">
      <h1>{t('ack.enterTitle')}</h1>
      <p className="lead">{t('ack.enterLead')}</p>
      <div className="card form-card">
        <CodeForm />
      </div>
    </section>
  );
}

function Details({ ack }: { ack: AckDetails }) {
  const { t, formatDate } = useI18n();
  return (
    <dl className="details ack-details">
      <dt>{t('ack.from')}</dt>
      <dd>{ack.orgName}</dd>
      <dt>{t('ack.project')}</dt>
      <dd>{ack.projectTitle}</dd>
      <dt>{t('ack.amount')}</dt>
      <dd className="ack-amount">{formatFen(ack.amount)}</dd>
      <dt>{t('ack.purpose')}</dt>
      <dd className="prewrap">{ack.purpose}</dd>
      <dt>{t('ack.date')}</dt>
      <dd>{formatDate(`${ack.date}T12:00:00`)}</dd>
      <dt>{t('ack.payee')}</dt>
      <dd>
        {ack.payee.name}{' '}
        <span className="muted small">({t(`cp.kind.${ack.payee.kind}` as MessageKey)})</span>
      </dd>
    </dl>
  );
}

function Confirm({
  code,
  ack,
  onDone,
}: {
  code: string;
  ack: AckDetails;
  onDone(mine: boolean): void;
}) {
  const { t } = useI18n();
  const moneyError = useMoneyErrors();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const photo = useUploads(`/acknowledgements/${encodeURIComponent(code)}/photo`, IMAGE_TYPES);
  const photoSha = photo.done[0]?.sha256;

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post(`/acknowledgements/${encodeURIComponent(code)}`, {
        note: note.trim() || null,
        photoSha256: photoSha ?? null,
      });
      onDone(true);
    } catch (err) {
      // Confirmed meanwhile (another tab, another person): show that state with its date.
      if (err instanceof ApiError && err.code === 'already_acknowledged') onDone(false);
      else setError(moneyError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card form-card" onSubmit={confirm} noValidate>
      <h2>{t('ack.confirmTitle')}</h2>
      <p>{t('ack.confirmLead', { org: ack.orgName })}</p>
      <Details ack={ack} />
      <FormError message={error} />
      <TextArea
        label={t('ack.note')}
        name="note"
        rows={3}
        maxLength={1000}
        optional
        value={note}
        onChange={setNote}
        hint={t('ack.noteHint')}
      />
      <FilePicker
        uploads={photo}
        label={t('ack.photo')}
        hint={t('ack.photoHint')}
        accept={IMAGE_TYPES}
      />
      <p className="small muted">{t('ack.publicNote')}</p>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy || photo.busy}
        >
          {busy ? t('auth.working') : t('ack.confirm')}
        </button>
      </div>
      <p className="small muted">{t('ack.wrongHint')}</p>
    </form>
  );
}

/** /ack/:code — the beneficiary confirms, without an account, that the money arrived. */
export function AckPage() {
  const { code = '' } = useParams();
  const { t, formatDate } = useI18n();
  useDocumentTitle(t('ack.title'));
  const [load, reload] = useLoad(
    () => get<AckDetails>(`/acknowledgements/${encodeURIComponent(code)}`),
    code,
  );
  const [confirmed, setConfirmed] = useState(false);

  let body: ReactNode;
  if (load.state === 'loading') body = <Loading />;
  else if (load.state === 'failed') {
    const code404 = load.error instanceof ApiError ? load.error.code : '';
    body =
      code404 === 'invalid_token' || code404 === 'not_found' || code404 === 'validation_failed' ? (
        <div className="card form-card">
          <div className="alert alert-error" role="alert">
            <p>
              <strong>{t('ack.invalidTitle')}</strong>
            </p>
            <p>{t('ack.invalidBody')}</p>
          </div>
          <CodeForm />
        </div>
      ) : (
        <LoadFailed error={load.error} retry={reload} />
      );
  } else if (confirmed) {
    body = (
      <section className="card panel ack-thanks" aria-labelledby="thanks-title">
        <h2 id="thanks-title">{t('ack.thanksTitle')}</h2>
        <p>{t('ack.thanksBody', { org: load.data.orgName })}</p>
        <Details ack={load.data} />
      </section>
    );
  } else if (load.data.acknowledgedAt) {
    body = (
      <section className="card panel" aria-labelledby="already-title">
        <div className="alert alert-info" role="status">
          <p id="already-title">
            <strong>{t('ack.alreadyTitle', { date: formatDate(load.data.acknowledgedAt) })}</strong>
          </p>
          <p>{t('ack.alreadyBody')}</p>
        </div>
        <Details ack={load.data} />
      </section>
    );
  } else {
    body = (
      <Confirm
        code={code}
        ack={load.data}
        onDone={(mine) => {
          setConfirmed(mine);
          reload();
        }}
      />
    );
  }

  return (
    <section className="narrow ack-page">
      <p className="eyebrow">{t('ack.eyebrow')}</p>
      <h1>{t('ack.title')}</h1>
      {body}
    </section>
  );
}
