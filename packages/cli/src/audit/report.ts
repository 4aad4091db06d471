import type { Anomaly } from '@goodtrace/books';
import type { Io } from '../command.js';
import type { Finding } from './findings.js';
import { formatDuration } from './progress.js';

/** The audit's outcome: printed for people, written as JSON with --json. */
export interface Report {
  url: string;
  origin: string;
  logKey: string;
  witnesses: string[];
  quorum: number;
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
  findings: Finding[];
  /** Findings counted but not listed, per code. */
  omitted: Record<string, number>;
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
  clean: boolean;
}

const n = (x: number) => x.toLocaleString('en-US');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

export function printReport(r: Report, io: Io): void {
  const out = io.out;
  const of = (kind: Finding['kind']) => r.findings.filter((f) => f.kind === kind).length;
  out(`Goodtrace audit of ${r.url} (log ${r.origin})`);
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
  out(r.clean ? 'CLEAN' : 'FINDINGS');
}
