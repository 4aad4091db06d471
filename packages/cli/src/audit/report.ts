import type { Anomaly } from '@goodtrace/books';
import { EXIT, type Io } from '../command.js';
import type { Finding } from './findings.js';
import { formatDuration } from './progress.js';
import type { Pin } from './state.js';

/**
 * The audit's outcome. `clean`: every check passed (anomalies may be listed: they are things
 * to look at, not failures). `failed`: a check failed. `key_changed`: the keys or the log are
 * not the ones pinned on the first audit, so nothing else was checked.
 */
export type AuditResult = 'clean' | 'failed' | 'key_changed';

/** The audit's outcome: printed for people, written as JSON with --json. */
export interface Report {
  url: string;
  origin: string;
  logKey: string;
  witnesses: string[];
  quorum: number;
  /**
   * Where the keys came from (the server's own answer, or --log-key), and when and from where
   * they were pinned in the state folder (null: this run pins them).
   */
  trust: {
    from: Pin['from'];
    /** `before`: by an earlier audit; `now`: by this one (first use); `no`: nothing verified yet. */
    pinned: 'before' | 'now' | 'no';
    pinnedAt: string | null;
    pinnedFrom: Pin['from'] | null;
  };
  stateDir: string;
  checkpoint: { size: number; root: string; cosignatures: string[] } | null;
  /** The checkpoint verified by the previous run, which this one must extend. */
  previous: { size: number; root: string; verifiedAt: string | null } | null;
  tree: {
    verified: boolean;
    entries: number;
    bundlesFetched: number;
    bundlesCached: number;
    tilesFetched: number;
  } | null;
  books: { projects: number; donations: number; disbursements: number; violations: number } | null;
  api: { projects: number; disbursements: number } | null;
  evidence: { files: number; mismatches: number } | null;
  /** Every failed check (omitted ones counted in `omitted`). */
  findings: Finding[];
  /** Findings counted but not listed, per code. */
  omitted: Record<string, number>;
  /** Things to look at that break no rule: listed, never a failure. */
  anomalies: Anomaly[];
  requests: number;
  bytes: number;
  seconds: {
    total: number;
    fetch: number;
    verify: number;
    replay: number;
    api: number;
    evidence: number;
  };
  result: AuditResult;
  /** The command's exit status: 0 clean, 1 failed, 3 key changed (2, usage, writes no report). */
  exitCode: number;
  /** `result === 'clean'`. */
  clean: boolean;
}

/** The result, exit status and `clean` flag the findings give: the one place they are decided. */
export function outcomeOf(
  r: Pick<Report, 'findings'>,
): Pick<Report, 'result' | 'exitCode' | 'clean'> {
  if (r.findings.some((f) => f.kind === 'trust')) {
    return { result: 'key_changed', exitCode: EXIT.trustChanged, clean: false };
  }
  if (r.findings.length > 0) return { result: 'failed', exitCode: EXIT.invalid, clean: false };
  return { result: 'clean', exitCode: EXIT.valid, clean: true };
}

const plural = (count: number, one: string, many: string) =>
  `${n(count)} ${count === 1 ? one : many}`;

/** The report's last line: the outcome in words, the same as the exit status. */
export function verdict(r: Report): string {
  const total = r.findings.length + Object.values(r.omitted).reduce((a, b) => a + b, 0);
  const anomalies =
    r.anomalies.length > 0
      ? `; ${plural(r.anomalies.length, 'anomaly', 'anomalies')} to look at (listed above, not failures)`
      : '';
  if (r.result === 'key_changed') {
    return `KEY CHANGED: the log's key, witnesses or origin are not the ones pinned in ${r.stateDir}; nothing else was checked`;
  }
  if (r.result === 'failed') {
    return `FAILED: ${plural(total, 'check failed', 'checks failed')} (the findings above)${anomalies}`;
  }
  const skipped = [
    r.api === null ? 'API not compared' : '',
    r.evidence === null ? 'evidence not downloaded' : '',
  ].filter(Boolean);
  return `CLEAN: the log and every balance check out${skipped.length ? ` (${skipped.join(', ')})` : ''}${anomalies}`;
}

const n = (x: number) => x.toLocaleString('en-US');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** Which keys the audit used, where from, and how they stand against the pin. */
function keysLine(r: Report): string {
  const server = r.trust.from === 'server';
  const keys = `the log key ${r.logKey} and ${r.witnesses.length} witness key(s) ${server ? `as ${r.url} handed them out (no --log-key)` : 'given with --log-key'}`;
  if (r.result === 'key_changed')
    return `✗ keys: ${keys}: not the ones pinned on ${r.trust.pinnedAt}`;
  const pin =
    r.trust.pinned === 'before'
      ? `the ones pinned on ${r.trust.pinnedAt}`
      : r.trust.pinned === 'now'
        ? `${server ? 'trusted on first use and ' : ''}pinned in ${r.stateDir}`
        : 'not pinned: no checkpoint verified with them';
  return `${server ? '!' : '✓'} keys: ${keys}; ${pin}`;
}

export function printReport(r: Report, io: Io): void {
  const out = io.out;
  const of = (kind: Finding['kind']) => r.findings.filter((f) => f.kind === kind).length;
  out(`Goodtrace audit of ${r.url} (log ${r.origin})`);
  out(keysLine(r));
  if (r.checkpoint) {
    out(
      `✓ checkpoint: ${n(r.checkpoint.size)} entries, root ${r.checkpoint.root}, signed by the log key, ` +
        `${r.checkpoint.cosignatures.length} witness cosignature(s) verified (quorum ${r.quorum})`,
    );
  }
  if (r.previous && r.tree) {
    const rewritten = r.findings.some((f) => f.code === 'history_rewritten');
    out(
      `${mark(!rewritten)} consistency: ${rewritten ? 'does not extend' : 'extends'} the checkpoint of ${n(r.previous.size)} entries verified ${r.previous.verifiedAt ?? 'before'}`,
    );
  }
  if (r.tree) {
    out(
      `${mark(r.tree.verified)} tree: ${n(r.tree.entries)} entries rebuilt, ` +
        (r.tree.verified
          ? 'every hash tile checked and the root matches the checkpoint'
          : `${of('log')} problem(s)`),
    );
  }
  if (r.books) {
    out(
      `${mark(of('books') === 0)} books: ${n(r.books.projects)} projects, ${n(r.books.donations)} donations, ` +
        `${n(r.books.disbursements)} disbursements replayed; ` +
        (of('books') === 0
          ? 'every rule, FIFO allocation and invariant holds'
          : `${of('books')} rule(s) broken`),
    );
  }
  if (r.api) {
    out(
      `${mark(of('api') === 0)} API: ${n(r.api.projects)} projects and ${n(r.api.disbursements)} disbursements compared; ` +
        (of('api') === 0 ? 'they agree with the log' : `${of('api')} difference(s)`),
    );
  }
  if (r.evidence) {
    out(
      `${mark(r.evidence.mismatches === 0)} evidence: ${n(r.evidence.files)} file(s) downloaded; ` +
        (r.evidence.mismatches === 0
          ? 'each matches its hash on the log'
          : `${r.evidence.mismatches} do not match`),
    );
  }
  if (r.findings.length > 0) {
    out('');
    out(
      `Findings (${n(r.findings.length + Object.values(r.omitted).reduce((a, b) => a + b, 0))}):`,
    );
    for (const f of r.findings) {
      out(
        `  ✗ [${f.kind}] ${f.code}${f.index !== undefined ? ` at index ${f.index}` : ''}: ${f.message}`,
      );
    }
    for (const [code, count] of Object.entries(r.omitted)) out(`  … and ${n(count)} more ${code}`);
  }
  if (r.anomalies.length > 0) {
    out('');
    out(`Anomalies (${n(r.anomalies.length)}):`);
    for (const a of r.anomalies) {
      out(`  ! ${a.code}${a.index >= 0 ? ` at index ${a.index}` : ''}: ${a.message}`);
    }
  }
  out('');
  if (r.tree) {
    out(
      `Fetched ${n(r.tree.bundlesFetched)} entry bundle(s) and ${n(r.tree.tilesFetched)} hash tile(s) ` +
        `(${n(r.tree.bundlesCached)} bundle(s) from ${r.stateDir}); ${n(r.requests)} requests, ${(r.bytes / 1e6).toFixed(1)} MB`,
    );
  }
  const s = r.seconds;
  out(
    `Time: ${formatDuration(s.total)} (waiting for the log ${formatDuration(s.fetch)}, tree ${formatDuration(s.verify)}, ` +
      `replay ${formatDuration(s.replay)}, API ${formatDuration(s.api)}, evidence ${formatDuration(s.evidence)})`,
  );
  out(verdict(r));
}
