import type {
  CosignedCheckpoint,
  EventData,
  EventType,
  LogEvent,
  LogInfo,
  Unchecked,
} from '@goodtrace/contract';
import { encodeBase64, entryBundleForIndex, tileForNode, tilePath } from '@goodtrace/ledger';
import type { Trust, VerifyErrorCode } from '@goodtrace/verify';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { get } from '../api';
import { CopyableText } from '../components/copyable-text';
import { LoadFailed, Loading } from '../components/load-state';
import { useDocumentTitle, useI18n } from '../i18n';
import { loadLogTrust } from '../log-trust';
import {
  type CheckedEntry,
  checkHistory,
  type HistoryCheck,
  loadRecentEntries,
  readSeen,
  type SeenCheckpoint,
  type SignatureCheck,
  seenFrom,
  verifyLatestCheckpoint,
  verifyWitness,
  type WitnessCheck,
  writeSeen,
} from '../transparency';
import { useDates } from '../use-dates';
import { useLoad } from '../use-load';

interface Verified {
  info: LogInfo;
  /** The keys every page of this site verifies with (log-trust.ts). */
  trust: Trust;
  signature: SignatureCheck;
  history: HistoryCheck | null;
  /** One per `info.witnesses`, in order: each cosignature checked here with its key. */
  witnesses: WitnessCheck[];
}

/** The server's answers about its log disagree or do not parse: nothing is verified under them. */
interface Untrusted {
  error: VerifyErrorCode;
  /** The key as GET /log/key and GET /api/log name it, to show side by side. */
  keyAtLogKey: string | null;
  keyAtApiLog: string | null;
}

/**
 * Fetches the log's key and /api/log, decides whom to trust as the receipt pages do, and
 * verifies the log here under that trust: the signature, each witness's cosignature, then
 * (only if the signature holds) the consistency with the checkpoint this browser
 * remembered, which is then replaced by this one unless something is wrong (a wrong answer
 * is kept as the evidence).
 */
async function loadVerified(seen: SeenCheckpoint | null): Promise<Verified | Untrusted> {
  const log = await loadLogTrust();
  if ('error' in log) {
    const apiKey = (log.info as { verifierKey?: unknown } | null)?.verifierKey;
    return {
      error: log.error,
      keyAtLogKey: str(log.keyText.trim()),
      keyAtApiLog: str(apiKey),
    };
  }
  const { info, trust } = log;
  const signature = verifyLatestCheckpoint(info, trust);
  const witnesses = trust.witnesses.map((w) => verifyWitness(info.checkpoint, w));
  if (!signature.ok) return { info, trust, signature, history: null, witnesses };
  const history = await checkHistory(seen, info, signature);
  if (history.state === 'first' || history.state === 'consistent')
    writeSeen(seenFrom(info, signature.root));
  return { info, trust, signature, history, witnesses };
}

/** Why the page verifies nothing, with the two keys when the server named two. */
function UntrustedCard({ untrusted }: { untrusted: Untrusted }) {
  const { t, maybe } = useI18n();
  const reason = maybe(`verify.reason.${untrusted.error}`) ?? untrusted.error;
  return (
    <section className="card panel" aria-labelledby="untrusted-title" data-testid="log-untrusted">
      <div className="check check-failed" role="alert">
        <span className="check-icon" aria-hidden="true">
          ✗
        </span>
        <div>
          <h2 id="untrusted-title" className="check-title">
            {t('log.trustFailed')}
          </h2>
          <p className="small">{t('log.trustFailedDetail', { reason })}</p>
        </div>
      </div>
      <dl className="details">
        <dt>{t('log.keyAtLogKey')}</dt>
        <dd className="key-box" data-testid="key-at-log-key">
          {untrusted.keyAtLogKey ?? '—'}
        </dd>
        <dt>{t('log.keyAtApiLog')}</dt>
        <dd className="key-box" data-testid="key-at-api-log">
          {untrusted.keyAtApiLog ?? '—'}
        </dd>
      </dl>
    </section>
  );
}

/** A message with one `{name}` placeholder replaced by a React node. */
function withNode(text: string, node: ReactNode): ReactNode {
  const [before, after] = text.split('\u0000');
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}

function KeyCard({ info }: { info: LogInfo }) {
  const { t } = useI18n();
  return (
    <section className="card panel" aria-labelledby="key-title">
      <h2 id="key-title">{t('log.keyTitle')}</h2>
      <dl className="details">
        <dt>{t('log.origin')}</dt>
        <dd className="mono">{info.origin}</dd>
        <dt>{t('log.verifierKey')}</dt>
        <CopyableText
          as="dd"
          value={info.verifierKey}
          className="key-box"
          testId="verifier-key"
          label={t('log.copyLabel')}
          shortLabel={t('common.copy')}
        />
      </dl>
      <p className="muted small">{t('log.keyHint')}</p>
    </section>
  );
}

function SignatureMark({ signature }: { signature: SignatureCheck }) {
  const { t } = useI18n();
  if (signature.ok) {
    return (
      <div className="check check-ok" role="status">
        <span className="check-icon" aria-hidden="true">
          ✓
        </span>
        <div>
          <p className="check-title">{t('log.sigOk')}</p>
          <p className="small">{t('log.sigOkDetail')}</p>
        </div>
      </div>
    );
  }
  return (
    <div className="check check-failed" role="alert">
      <span className="check-icon" aria-hidden="true">
        ✗
      </span>
      <div>
        <p className="check-title">{t('log.sigFailed')}</p>
        <p className="small">{t('log.sigFailedDetail', { reason: signature.reason })}</p>
      </div>
    </div>
  );
}

function HistoryLine({
  history,
  onForget,
  onRetry,
}: {
  history: HistoryCheck;
  onForget: () => void;
  onRetry: () => void;
}) {
  const { t, tn } = useI18n();
  const { dateTime } = useDates();
  if (history.state === 'first') {
    return <p className="history history-first">{t('log.history.first')}</p>;
  }
  const vars = {
    date: dateTime(history.seen.at),
    entries: tn('log.entries', history.seen.size),
  };
  if (history.state === 'consistent') {
    return (
      <p className="history history-ok" data-testid="history">
        <span aria-hidden="true">✓ </span>
        {t('log.history.consistent', vars)}
      </p>
    );
  }
  if (history.state === 'unchecked') {
    return (
      <div className="history history-unknown">
        <p>{t('log.history.unchecked', vars)}</p>
        <button type="button" className="button button-small button-secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  return (
    <div className="check check-failed" role="alert" data-testid="history">
      <span className="check-icon" aria-hidden="true">
        ✗
      </span>
      <div>
        <p className="check-title">
          {history.state === 'key_changed'
            ? t('log.history.keyChanged', vars)
            : t('log.history.inconsistent', { ...vars, reason: history.reason })}
        </p>
        <button type="button" className="button button-small button-secondary" onClick={onForget}>
          {t('log.history.forget')}
        </button>
      </div>
    </div>
  );
}

function CheckpointCard({
  verified,
  onForget,
  onRetry,
}: {
  verified: Verified;
  onForget: () => void;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  const { info, signature, history } = verified;
  return (
    <section className="card panel checkpoint-card" aria-labelledby="checkpoint-title">
      <h2 id="checkpoint-title">{t('log.checkpointTitle')}</h2>
      <SignatureMark signature={signature} />
      {history && <HistoryLine history={history} onForget={onForget} onRetry={onRetry} />}
      <dl className="details details-inline">
        <dt>{t('log.treeSize')}</dt>
        <dd data-testid="tree-size">{info.treeSize}</dd>
        <dt>{t('log.rootHash')}</dt>
        <dd className="mono">{info.rootHash}</dd>
      </dl>
      <p className="muted small">{t('log.signedNote')}</p>
      <pre className="signed-note" data-testid="signed-note">
        {info.checkpoint}
      </pre>
    </section>
  );
}

function WitnessMark({ check }: { check: WitnessCheck }) {
  const { t } = useI18n();
  const { dateTime } = useDates();
  if (check.state === 'verified') {
    return (
      <>
        <span className="badge badge-verified" data-testid="witness-check">
          ✓ {t('log.witnessVerified')}
        </span>
        <span className="muted small">
          {t('log.witnessCosignedAt', {
            date: dateTime(new Date(check.timestamp * 1000).toISOString()),
          })}
        </span>
      </>
    );
  }
  if (check.state === 'absent') {
    return (
      <span className="badge badge-pending" data-testid="witness-check">
        {t('log.witnessNotCosigned')}
      </span>
    );
  }
  return (
    <span className="badge badge-rejected" data-testid="witness-check" role="alert">
      ✗ {t('log.witnessInvalid', { reason: check.reason })}
    </span>
  );
}

function WitnessesCard({ info, checks }: { info: LogInfo; checks: WitnessCheck[] }) {
  const { t } = useI18n();
  return (
    <section className="card panel" aria-labelledby="witnesses-title">
      <h2 id="witnesses-title">{t('log.witnessesTitle')}</h2>
      <p className="small muted">{t('log.witnessesLead')}</p>
      {info.witnesses.length === 0 ? (
        <p className="empty empty-small">{t('log.witnessesNone')}</p>
      ) : (
        <>
          <ul className="plain-list witness-list">
            {info.witnesses.map((w, i) => (
              <li key={w.verifierKey} className="witness" data-testid="witness">
                <span className="mono witness-name">{w.name}</span>
                <span className="muted small mono">{w.url}</span>
                <code className="key-box witness-key" title={t('log.witnessKey')}>
                  {w.verifierKey}
                </code>
                <WitnessMark check={checks[i] ?? { state: 'invalid', reason: 'unknown' }} />
              </li>
            ))}
          </ul>
          <p className="muted small">{t('log.witnessKeysNote')}</p>
        </>
      )}
    </section>
  );
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function EntrySummary({ event }: { event: LogEvent }) {
  if (event.type === ('org.verified' satisfies EventType)) {
    const data = event.data as Unchecked<EventData<'org.verified'>>;
    const name = str(data.name);
    const orgId = str(data.orgId);
    if (name && orgId) return <Link to={`/charities/${encodeURIComponent(orgId)}`}>{name}</Link>;
    if (name) return <span>{name}</span>;
  }
  return null;
}

function EntryRow({ checked }: { checked: CheckedEntry }) {
  const { t, maybe } = useI18n();
  const { dateTime } = useDates();
  const { entry, included } = checked;
  const { event } = entry;
  const label = maybe(`log.type.${event.type}`);
  return (
    <li className="log-entry" data-testid="log-entry">
      <span className="log-entry-index mono">#{entry.index}</span>
      <div className="log-entry-body">
        <p className="log-entry-title">
          <strong className={label ? undefined : 'mono'}>{label ?? event.type}</strong>{' '}
          <EntrySummary event={event} />
        </p>
        <p className="log-entry-meta small muted">
          <time dateTime={event.at}>{dateTime(event.at)}</time>
          {label && <span className="mono">{event.type}</span>}
          {included === true && (
            <span className="log-entry-proof" title={t('log.includedTitle')}>
              ✓ {t('log.included')}
            </span>
          )}
          {included === false && (
            <span className="log-entry-proof log-entry-proof-failed">✗ {t('log.notIncluded')}</span>
          )}
        </p>
      </div>
    </li>
  );
}

function EntriesCard({ size, root }: { size: number; root: Uint8Array | null }) {
  const { t } = useI18n();
  const rootKey = root ? encodeBase64(root) : '';
  const [load, reload] = useLoad(() => loadRecentEntries(size, root), `${size}:${rootKey}`);
  return (
    <section className="card panel" aria-labelledby="entries-title">
      <div className="section-head">
        <h2 id="entries-title">{t('log.entriesTitle')}</h2>
        {size > 0 && <span className="muted small">{t('log.entriesLead')}</span>}
      </div>
      {size === 0 ? (
        <p className="empty empty-small">{t('log.entriesNone')}</p>
      ) : load.state === 'loading' ? (
        <Loading />
      ) : load.state === 'failed' ? (
        <LoadFailed error={load.error} retry={reload} />
      ) : (
        <ol className="plain-list log-entries" aria-labelledby="entries-title">
          {load.data.map((c) => (
            <EntryRow key={c.entry.index} checked={c} />
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * The newest checkpoint the witnesses cosigned (it may be older than the latest one while they
 * catch up), each cosignature verified here with the witness's own key.
 */
function CosignedCard({ info, trust }: { info: LogInfo; trust: Trust }) {
  const { t } = useI18n();
  const { dateTime } = useDates();
  const [load, reload] = useLoad(
    () => get<{ checkpoint: CosignedCheckpoint | null }>('/log/cosigned'),
    `cosigned:${info.treeSize}`,
  );
  return (
    <section className="card panel" aria-labelledby="cosigned-title" data-testid="cosigned">
      <h2 id="cosigned-title">{t('log.cosignedTitle')}</h2>
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' &&
        (load.data.checkpoint === null ? (
          <p className="empty empty-small">{t('log.cosignedNone')}</p>
        ) : (
          <>
            <p className="small">
              {t('log.cosignedLead', {
                size: load.data.checkpoint.treeSize,
                date: dateTime(load.data.checkpoint.signedAt),
              })}
            </p>
            <ul className="plain-list witness-list">
              {info.witnesses.map((w, i) => (
                <li key={w.verifierKey} className="witness" data-testid="cosigned-witness">
                  <span className="mono witness-name">{w.name}</span>
                  <WitnessMark
                    check={
                      trust.witnesses[i]
                        ? verifyWitness(load.data.checkpoint!.note, trust.witnesses[i])
                        : { state: 'invalid', reason: 'unknown' }
                    }
                  />
                </li>
              ))}
            </ul>
            <pre className="signed-note" data-testid="cosigned-note">
              {load.data.checkpoint.note}
            </pre>
          </>
        ))}
    </section>
  );
}

/** The one command that audits the whole log, pinned to the key and witnesses shown here. */
function auditCommand(info: LogInfo, base: string): string {
  const witnesses = info.witnesses.map((w) => ` --witness '${w.verifierKey}'`).join('');
  return `npm run goodtrace -- audit ${base} --log-key '${info.verifierKey}'${witnesses}`;
}

function AuditCard({ size, info }: { size: number; info: LogInfo }) {
  const { t } = useI18n();
  const base = window.location.origin;
  const tiles =
    size > 0
      ? [
          tilePath(tileForNode({ level: 0, index: size - 1, treeSize: size }).tile),
          tilePath(entryBundleForIndex({ index: size - 1, treeSize: size })),
        ]
      : [];
  return (
    <section className="card panel" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('log.auditTitle')}</h2>
      <p className="small">{t('log.auditLead')}</p>
      <dl className="details">
        <dt>{t('log.auditKey')}</dt>
        <dd>
          <code className="command">curl {base}/log/key</code>
        </dd>
        <dt>{t('log.auditCheckpoint')}</dt>
        <dd>
          <code className="command">curl {base}/log/checkpoint</code>
        </dd>
        {tiles.length > 0 && (
          <>
            <dt>{t('log.auditTiles')}</dt>
            {tiles.map((path) => (
              <dd key={path}>
                <code className="command">
                  curl {base}/log/{path}
                </code>
              </dd>
            ))}
          </>
        )}
      </dl>
      <p className="small muted">
        {withNode(
          t('log.auditCli', { command: '\u0000' }),
          <code className="mono">goodtrace audit</code>,
        )}
      </p>
      <h3>{t('log.auditRunTitle')}</h3>
      <p className="small">{t('log.auditRunLead')}</p>
      <CopyableText
        value={auditCommand(info, base)}
        className="command"
        testId="audit-command"
        label={t('log.auditCopyLabel')}
        shortLabel={t('common.copy')}
      />
      <p className="small muted">{t('log.auditRunNote')}</p>
    </section>
  );
}

export function TransparencyPage() {
  const { t } = useI18n();
  useDocumentTitle(t('log.title'));
  // Read once per visit, before this visit's checkpoint replaces it.
  const [seen] = useState(readSeen);
  const [load, reload] = useLoad(() => loadVerified(seen), 'log');
  const [forgotten, setForgotten] = useState(false);

  let body: ReactNode;
  if (load.state === 'loading') body = <Loading />;
  else if (load.state === 'failed') body = <LoadFailed error={load.error} retry={reload} />;
  else if ('error' in load.data) body = <UntrustedCard untrusted={load.data} />;
  else {
    const verified = load.data;
    const { info, signature } = verified;
    const forget = () => {
      if (!signature.ok) return;
      writeSeen(seenFrom(info, signature.root));
      setForgotten(true);
    };
    const shown: Verified = forgotten ? { ...verified, history: { state: 'first' } } : verified;
    body = (
      <>
        <KeyCard info={info} />
        <div className="transparency-grid">
          <div className="transparency-column">
            <CheckpointCard verified={shown} onForget={forget} onRetry={reload} />
            <EntriesCard size={info.treeSize} root={signature.ok ? signature.root : null} />
          </div>
          <div className="transparency-column">
            <WitnessesCard info={info} checks={verified.witnesses} />
            <CosignedCard info={info} trust={verified.trust} />
            <AuditCard size={info.treeSize} info={info} />
          </div>
        </div>
      </>
    );
  }

  return (
    <article className="transparency">
      <header className="page-head">
        <p className="eyebrow">{t('log.eyebrow')}</p>
        <h1>{t('log.title')}</h1>
        <p className="lead">{t('log.lead')}</p>
      </header>
      {body}
    </article>
  );
}
