import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Anomaly, checkInvariants, findAnomalies, Replay } from '@goodtrace/books';
import { type EventData, hasType, type Unchecked } from '@goodtrace/contract';
import {
  type Checkpoint,
  decodeBase64,
  encodeBase64,
  isLedgerError,
  type LedgerEvent,
  parseVerifierKey,
  type VerifiedCheckpoint,
  verifyCheckpoint,
} from '@goodtrace/ledger';
import { type Command, EXIT, type Io, parseCommandLine, UsageError } from '../command.js';
import { fetchLogDescription, LogFetchError } from '../log-trust.js';
import { compareWithApi } from './api-compare.js';
import { checkEvidence, type EvidenceRef } from './evidence.js';
import { Fetcher, FetchFailed } from './fetcher.js';
import { Findings } from './findings.js';
import { auditLog, type LogAuditResult, type PreviousRun } from './log-audit.js';
import { Progress } from './progress.js';
import { outcomeOf, printReport, type Report } from './report.js';
import { type SavedState, StateError, StateFolder } from './state.js';
import { defaultAuditState } from './state-dir.js';
import { pinMismatch, serverTrustWarning, type Trust } from './trust.js';

const usage = `Usage:
  goodtrace audit <url> [--json FILE] [--state DIR] [--log-key KEY [--witness KEY ...]]
                        [--quorum N] [--concurrency N] [--now TIME] [--skip-api] [--skip-evidence]

Audits a Goodtrace server's whole log: fetches the checkpoint and every tile and entry bundle
(C2SP tlog-tiles), verifies the log's signature and the witnesses' cosignatures, rebuilds the
tree from the entries (every served hash tile and the checkpoint's root must match), replays
every event into the books (balances, FIFO allocations, invariants), compares them with what
the server's API shows, downloads every evidence file, and lists the anomalies.

  --json FILE        also write the report as JSON
  --state DIR        this site's state folder: the keys pinned on the first audit, the last
                     checkpoint verified and the bundles fetched, so that a later run fetches
                     only what is new and checks the new checkpoint extends the one verified
                     before (default: <state home>/goodtrace/audit/<host>, the state home being
                     $XDG_STATE_HOME or ~/.local/state; ~/Library/Application Support on macOS;
                     %LOCALAPPDATA% on Windows)
  --log-key KEY      the log's verifier key, from a source you trust. Without it the audit uses
                     the key the server hands out (/log/key), warns that it does, and pins it in
                     the state folder on first use: a later audit that meets another key fails
                     (exit 3); so does a --log-key other than the pinned one
  --witness KEY      a witness's verifier key; repeat for each (default: the server's list)
  --quorum N         how many witnesses must have cosigned (default: the server's quorum
                     with the server's keys, else all of them)
  --concurrency N    requests in flight at most (default 16)
  --now TIME         the clock for the anomaly rules (ISO 8601; default: now)
  --skip-api         do not compare with the API
  --skip-evidence    do not download the evidence files

Exit status:
  0  CLEAN: every check passed. Anomalies (a disbursement not confirmed after 30 days, a budget
     line overrun, an unusually large or round disbursement, idle money) are listed as things
     to look at; they are not failures.
  1  FAILED: a check failed: the checkpoint's signature or cosignatures, the tree, consistency
     with the checkpoint verified before, a rule the books break, a difference from the API,
     an evidence file that does not match its hash, or an answer the server would not give.
  2  usage, or the server cannot be reached (nothing checked, no report).
  3  KEY CHANGED: the log's key, witnesses or origin are not the ones pinned in the state
     folder on the first audit (nothing else checked). Delete its state.json to trust new keys
     on purpose.`;

const options = {
  json: { type: 'string' },
  state: { type: 'string' },
  'log-key': { type: 'string' },
  witness: { type: 'string', multiple: true },
  quorum: { type: 'string' },
  concurrency: { type: 'string' },
  now: { type: 'string' },
  'skip-api': { type: 'boolean' },
  'skip-evidence': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`${flag} must be a whole number of at least ${min}`);
  }
  return Number(value);
}

function checkKey(key: string, flag: string): void {
  try {
    parseVerifierKey(key);
  } catch (e) {
    throw new UsageError(`${flag} "${key}" is not a verifier key: ${(e as Error).message}`);
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const started = performance.now();
  const parsed = parseCommandLine(argv, options);
  const v = parsed.values;
  if (v.help) {
    io.out(usage);
    return EXIT.valid;
  }
  if (parsed.positionals.length !== 1) throw new UsageError('give exactly one server URL');
  let url: URL;
  try {
    url = new URL(parsed.positionals[0]!);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
  } catch {
    throw new UsageError(`"${parsed.positionals[0]}" is not an http(s) URL`);
  }
  const base = url.href.replace(/\/+$/, '');
  const quorumFlag = wholeNumber(v.quorum, '--quorum', 0);
  const concurrency = wholeNumber(v.concurrency, '--concurrency', 1) ?? 16;
  const now = v.now === undefined ? new Date() : new Date(v.now);
  if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO 8601 time');
  if (v.witness && v['log-key'] === undefined) {
    throw new UsageError('--witness needs --log-key (or neither, to take both from the server)');
  }
  if (v['log-key'] !== undefined) checkKey(v['log-key'], '--log-key');
  for (const w of v.witness ?? []) checkKey(w, '--witness');

  const fetcher = new Fetcher(base, { fetch: io.fetch, concurrency });
  let note: string | null;
  let trust: Trust;
  try {
    note = await fetcher.textOf('log/checkpoint');
    if (note === null) throw new LogFetchError(`${base}/log/checkpoint answered 404`);
    const origin = note.slice(0, note.indexOf('\n'));
    if (v['log-key'] !== undefined) {
      trust = { logKey: v['log-key'], witnesses: v.witness ?? [], origin, from: '--log-key' };
    } else {
      const log = await fetchLogDescription(base, io.fetch);
      trust = {
        logKey: log.logKey,
        witnesses: log.witnesses.map((w) => w.verifierKey),
        origin: log.origin,
        // The server's k-of-n policy, as goodtrace verify --log-url takes it.
        ...(log.quorum !== undefined ? { quorum: log.quorum } : {}),
        from: 'server',
      };
    }
  } catch (e) {
    if (e instanceof LogFetchError || e instanceof FetchFailed) {
      io.err(`goodtrace audit: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  const quorum = quorumFlag ?? trust.quorum ?? trust.witnesses.length;
  if (quorum > trust.witnesses.length) {
    throw new UsageError(
      `--quorum ${quorum} is more than the ${trust.witnesses.length} witness(es)`,
    );
  }

  if (v.state === undefined && io.stateHome === undefined) {
    throw new UsageError('no user state directory is known here: give --state DIR');
  }
  const state = new StateFolder(
    v.state !== undefined ? resolve(io.cwd, v.state) : defaultAuditState(io.stateHome!, url),
  );
  let saved: SavedState | null;
  try {
    saved = await state.open();
  } catch (e) {
    if (e instanceof StateError) throw new UsageError(e.message);
    throw e;
  }
  // The keys pinned on the first audit must still be the ones in use: a switch is refused,
  // never followed (to trust new keys on purpose, the user deletes state.json).
  const changed = saved ? pinMismatch(saved.pin, trust, state.file) : null;
  if (trust.from === 'server' && changed === null) {
    // Loud, and first: the audit may run for minutes, and every check rests on these keys.
    io.err(serverTrustWarning(trust, base, saved?.pin ?? null, state.file));
  }
  const findings = new Findings();
  const report: Report = {
    url: base,
    origin: trust.origin,
    logKey: trust.logKey,
    witnesses: trust.witnesses,
    quorum,
    trust: {
      from: trust.from,
      pinned: saved ? 'before' : 'no',
      pinnedAt: saved?.pin.at ?? null,
      pinnedFrom: saved?.pin.from ?? null,
    },
    stateDir: state.dir,
    checkpoint: null,
    previous: saved?.checkpoint
      ? { size: saved.size, root: saved.root!, verifiedAt: saved.verifiedAt }
      : null,
    tree: null,
    books: null,
    api: null,
    evidence: null,
    findings: findings.list,
    omitted: {},
    anomalies: [],
    requests: 0,
    bytes: 0,
    seconds: { total: 0, fetch: 0, verify: 0, replay: 0, api: 0, evidence: 0 },
    result: 'failed',
    exitCode: EXIT.invalid,
    clean: false,
  };
  const finish = async (): Promise<number> => {
    report.omitted = Object.fromEntries(findings.omitted);
    report.requests = fetcher.requests;
    report.bytes = fetcher.bytes;
    report.seconds.total = (performance.now() - started) / 1000;
    Object.assign(report, outcomeOf(report));
    printReport(report, io);
    if (v.json !== undefined) {
      await writeFile(resolve(io.cwd, v.json), `${JSON.stringify(report, null, 2)}\n`);
    }
    return report.exitCode;
  };

  if (changed !== null) {
    findings.add({ kind: 'trust', code: 'key_changed', message: changed });
    return finish();
  }

  let verified: VerifiedCheckpoint;
  try {
    verified = verifyCheckpoint(note, {
      logKey: trust.logKey,
      witnesses: trust.witnesses,
      quorum,
      origin: trust.origin,
    });
  } catch (e) {
    if (isLedgerError(e) && (e.code === 'ambiguous_key' || e.code === 'invalid_argument')) {
      throw new UsageError(e.message);
    }
    findings.add({
      kind: 'log',
      code: 'checkpoint_invalid',
      message: `the checkpoint does not verify: ${(e as Error).message}`,
    });
    return finish();
  }
  const checkpoint: Checkpoint = verified.checkpoint;
  report.checkpoint = {
    size: checkpoint.size,
    root: encodeBase64(checkpoint.rootHash),
    cosignatures: verified.cosignatures.map((s) => s.name),
  };
  const previous: PreviousRun | null = saved?.checkpoint
    ? { size: saved.size, root: decodeBase64(saved.root!), verifiedAt: saved.verifiedAt }
    : null;
  if (previous && checkpoint.size < previous.size) {
    findings.add({
      kind: 'log',
      code: 'history_rewritten',
      message: `the log is now ${checkpoint.size} entries, fewer than the ${previous.size} verified ${previous.verifiedAt ?? 'before'}: history was rewritten`,
    });
    return finish();
  }

  // The log: fetched, verified and replayed in one pass.
  const replay = new Replay();
  const evidence = new Map<string, EvidenceRef>();
  const sink = {
    line: io.err,
    ...(io.progress ? { update: io.progress } : {}),
  };
  let tree: LogAuditResult;
  try {
    tree = await auditLog({
      fetcher,
      state,
      checkpoint,
      previous,
      window: concurrency * 4,
      findings,
      progress: (total) => new Progress(total, sink),
      onEvent: (index, event) => {
        replay.apply({ index, event: event as Parameters<Replay['apply']>[0]['event'] });
        if (hasType(event, 'funds.acknowledged')) noteAckPhoto(evidence, index, event);
      },
    });
  } catch (e) {
    if (e instanceof FetchFailed) {
      findings.add({ kind: 'log', code: 'fetch_failed', message: e.message });
      return finish();
    }
    throw e;
  }
  report.tree = {
    verified: tree.verified,
    entries: tree.entries,
    bundlesFetched: tree.bundlesFetched,
    bundlesCached: tree.bundlesCached,
    tilesFetched: tree.tilesFetched,
  };
  report.seconds.fetch = tree.fetchMs / 1000;
  report.seconds.verify = tree.verifyMs / 1000;
  if (findings.has('history_rewritten')) {
    // The entries replayed mix the history verified before with the rewritten one: books, API
    // and evidence checks on them would only bury the one finding that matters.
    return finish();
  }

  const replayEnd = performance.now();
  const books = replay.finish();
  for (const violation of books.violations) {
    findings.add({
      kind: 'books',
      code: violation.code,
      index: violation.index,
      message: violation.message,
    });
  }
  for (const broken of checkInvariants(books)) {
    findings.add({ kind: 'books', code: 'invariant_broken', message: broken });
  }
  for (const d of books.disbursements.values()) {
    for (const e of d.evidence) {
      if (evidence.has(e.sha256)) continue;
      evidence.set(e.sha256, {
        index: d.index,
        projectId: d.projectId,
        disbursementId: d.disbursementId,
        what: `${e.kind} of disbursement ${d.disbursementId}`,
      });
    }
  }
  const anomalies: Anomaly[] = findAnomalies(books, { now });
  report.seconds.replay = (tree.replayMs + performance.now() - replayEnd) / 1000;
  report.books = {
    projects: books.projects.size,
    donations: books.donations.size,
    disbursements: books.disbursements.size,
    violations: books.violations.length,
  };

  try {
    if (!v['skip-api']) {
      const t = performance.now();
      report.api = await compareWithApi(fetcher, books, findings);
      report.seconds.api = (performance.now() - t) / 1000;
    }
    if (!v['skip-evidence']) {
      const t = performance.now();
      const checked = await checkEvidence(fetcher, evidence);
      for (const f of checked.mismatches) findings.add(f);
      report.evidence = { files: checked.files, mismatches: checked.mismatches.length };
      report.seconds.evidence = (performance.now() - t) / 1000;
    }
  } catch (e) {
    if (!(e instanceof FetchFailed)) throw e;
    findings.add({ kind: 'api', code: 'fetch_failed', message: e.message });
  }
  report.anomalies = anomalies.sort(
    (a, b) => (a.index < 0 ? 1 : 0) - (b.index < 0 ? 1 : 0) || a.index - b.index,
  );

  // The state advances only to a checkpoint whose whole tree was verified. The keys are pinned
  // by the first run that verified a checkpoint with them, whatever the rest of its outcome,
  // and never changed after.
  const pin = saved?.pin ?? {
    origin: trust.origin,
    logKey: trust.logKey,
    witnesses: trust.witnesses,
    from: trust.from,
    at: now.toISOString(),
  };
  const next: SavedState = tree.verified
    ? {
        version: 2,
        pin,
        checkpoint: note,
        size: checkpoint.size,
        root: encodeBase64(checkpoint.rootHash),
        verifiedAt: now.toISOString(),
        partialWidth: checkpoint.size % 256,
      }
    : (saved ?? {
        version: 2,
        pin,
        checkpoint: null,
        size: 0,
        root: null,
        verifiedAt: null,
        partialWidth: 0,
      });
  if (tree.verified && tree.partial) await state.writePartial(tree.partial);
  await state.save(next);
  if (!saved)
    report.trust = { from: trust.from, pinned: 'now', pinnedAt: pin.at, pinnedFrom: pin.from };
  return finish();
}

function noteAckPhoto(evidence: Map<string, EvidenceRef>, index: number, event: LedgerEvent) {
  // From a server not trusted: the contract's member names, each checked before it is used.
  const data = event.data as Unchecked<EventData<'funds.acknowledged'>> | null;
  const photo = data?.photo;
  if (typeof photo !== 'string' || evidence.has(photo)) return;
  evidence.set(photo, {
    index,
    projectId: String(data?.projectId ?? ''),
    disbursementId: String(data?.disbursementId ?? ''),
    what: `acknowledgement photo of disbursement ${String(data?.disbursementId ?? '')}`,
  });
}

export const auditCommand: Command = {
  summary: "audit a Goodtrace server's whole log, its books and its API",
  usage,
  run,
};
