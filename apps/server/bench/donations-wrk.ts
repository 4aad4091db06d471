// The donations bench's other load generator: wrk (Debian's package; C, an event loop per
// thread) running bench/donations.lua, the same create → pay chain as donations-load.ts with
// far less CPU per request. Used by donations.bench.ts for the `donate` job when wrk is on
// PATH (BENCH_LOAD chooses); the one-at-a-time reads stay on autocannon, whose CPU does not
// matter there and which can send each path exactly once.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult } from './donations-load.js';

/** The wrk executable on PATH, if any. */
export function findWrk(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, 'wrk');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

interface WrkResult {
  seconds: number;
  latency: { create: number[]; pay: number[] };
  status: {
    create: Record<string, number>;
    pay: Record<string, number>;
    unmatched: Record<string, number>;
  };
  outcomes: Record<string, number>;
  created: number;
  credited: number;
  creditedFen: number;
  unparsed: number;
  /** Requests sent and not answered by the end, including wrk's one unsent check request. */
  inFlight: number;
  errors: number;
  timeouts: number;
  cpu: number;
}

const script = fileURLToPath(new URL('./donations.lua', import.meta.url));

/**
 * wrk's threads (BENCH_WRK_THREADS, default 2). Each is an event loop driving its share of the
 * connections; until this round there was one thread per connection (256), and a wrk thread
 * per connection cost about twice the CPU per request: 45 against 21 µs for GET /healthz.
 */
export const WRK_THREADS = Math.max(1, Number(process.env.BENCH_WRK_THREADS ?? 2));

/**
 * One `donate` job with wrk; the figures come from the script's GOODTRACE_RESULT line. The CPU
 * is wrk's own (getrusage in the script's done()).
 */
export function runWrk(
  wrk: string,
  job: Extract<LoadJob, { mode: 'donate' }>,
): Promise<LoadResult> {
  const c = String(job.connections);
  const t = String(Math.min(WRK_THREADS, job.connections));
  const args = ['-t', t, '-c', c, '-d', `${job.seconds}s`, '--timeout', '30s', '-s', script];
  args.push(job.url, '--', job.projectId, randomBytes(4).toString('hex'));
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('GOODTRACE_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk exited with ${code ?? signal}:\n${out.slice(0, 2000)}\n${err}`));
        return;
      }
      const w = JSON.parse(line.slice('GOODTRACE_RESULT '.length)) as WrkResult;
      const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
      const numeric = (r: Record<string, number>) =>
        Object.fromEntries(Object.entries(r).map(([k, n]) => [Number(k), n]));
      const outcomes = { ...w.outcomes };
      if (w.unparsed) outcomes['create answer without id and token'] = w.unparsed;
      for (const [code, n] of Object.entries(w.status.unmatched))
        outcomes[`HTTP ${code} answer matched to no request`] = n;
      resolve({
        seconds: w.seconds,
        latency: { create: sorted(w.latency.create), pay: sorted(w.latency.pay) },
        status: { create: numeric(w.status.create), pay: numeric(w.status.pay) },
        // A request whose connection broke before its answer is in wrk's own error counts.
        errors: w.errors,
        timeouts: w.timeouts,
        created: w.created,
        credited: w.credited,
        creditedFen: w.creditedFen,
        outcomes,
        cpu: w.cpu,
      });
    });
  });
}
