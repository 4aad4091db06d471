// Benchmark of the ledger's write path and proofs, on PGlite and on PostgreSQL, through the real
// code: openDatabase, migrateToLatest, initLogState, Sequencer, appendEvent, inclusionProof, with
// the node:crypto provider installed as the server does. Figures and analysis: docs/PERFORMANCE.md.
//
//   npm run bench:ledger -w apps/server           1,000,000 entries per store (about 6 minutes)
//   BENCH_ENTRIES=200000 npm run bench:ledger …   shorter
//   BENCH_MULTI_ROW=1 npm run bench:ledger …      appendEvents: one multi-row INSERT per
//                                                 transaction (and the baseline likewise)
//
// Per store, every measurement on its own fresh database (PGlite in a temp folder; a new
// goodtrace_bench_<time>_<n> database on PostgreSQL at BENCH_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/postgres — skipped, and said so, when unreachable; each
// deleted after its measurement):
//   ratio      BENCH_PAIRS (3) pairs of runs of BASELINE (200,000) events each, in alternating
//              order: the raw baseline, plain inserts of the same leaf rows into a table shaped
//              like the outbox, one INSERT … RETURNING id per row as appendEvent does, TX_SIZE
//              (100) rows per transaction, APPENDERS concurrent transactions (4 on PostgreSQL;
//              1 on PGlite, whose single connection would only queue them): storage alone; and
//              the same events through appendEvent while the Sequencer runs, the clock stopping
//              when the signed tree size reaches BASELINE. The ratio is the median pair's,
//              after one untimed pair of BENCH_WARMUP (50,000) events.
//   sequenced  ENTRIES events the same way, from an empty log: the sustained rate, and the rate
//              of each 100,000-entry stretch (does appending slow as the log grows?). CPU per
//              event is this process's plus the bench database's backends' (/proc).
//   latency    outbox commit (the appender's COMMIT returned) → the sequencer's COMMIT that gave
//              the event its index returned, for every 20th transaction's events.
//   proofs     BENCH_PROOFS (2,000) inclusion proofs from the stored tiles (tile-store.ts) for
//              random indexes of the ENTRIES-entry log, some checked against the signed root;
//              then the whole API answer (read.ts getInclusionProof) for the same indexes.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  decodeBase64,
  encodeEvent,
  generateSignerKey,
  hashLeaf,
  type LedgerEvent,
  parseCheckpoint,
  setCryptoProvider,
  splitNote,
  verifyInclusion,
} from '@goodtrace/ledger';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { type Kysely, sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { DB } from '../src/db/schema.js';
import { createMetrics } from '../src/http/metrics.js';
import { appendEvent, appendEvents } from '../src/ledger/append-event.js';
import { getInclusionProof, readEntries } from '../src/ledger/read.js';
import { initLogState, Sequencer } from '../src/ledger/sequencer.js';
import { inclusionProof, TileCache } from '../src/ledger/tile-store.js';

setCryptoProvider(nodeCryptoProvider());

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const TX_SIZE = Number(process.env.BENCH_TX_SIZE ?? 100);
const PG_APPENDERS = Number(process.env.BENCH_APPENDERS ?? 4);
const PROOFS = Number(process.env.BENCH_PROOFS ?? 2_000);
/** The baseline's size, and the stretch of the sequenced run the ratio compares it with. */
const BASELINE = Number(process.env.BENCH_BASELINE_ENTRIES ?? Math.min(ENTRIES, 200_000));
/** Pairs of runs (baseline, sequenced) of BASELINE events each that the ratio is the median of. */
const PAIRS = Math.max(1, Number(process.env.BENCH_PAIRS ?? 3));
/** Events of the untimed pair run before the pairs (0: none). */
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? Math.min(BASELINE, 50_000)));
const STRETCH = Math.max(TX_SIZE, Math.min(100_000, Math.floor(ENTRIES / 10)));
const PG_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env.BENCH_STORES?.split(',') ?? ['pglite', 'postgres'];
const ledgerConfig = loadConfig(process.env).ledger;
const ORIGIN = 'bench.goodtrace.example/log';

// ---- events --------------------------------------------------------------------------------

const hex = (n: number) => randomBytes(n).toString('hex');
const uuid = () => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};
const projects = Array.from({ length: 50 }, () => ({ projectId: uuid(), orgId: uuid() }));
const commitments = Array.from({ length: 4096 }, () => randomBytes(32).toString('base64url'));
const runId = hex(4);
const base = Date.parse('2026-11-26T08:00:00.000Z');

/**
 * The n-th donation.received event of a run: about 340 bytes of canonical JSON, a unique
 * donation id, the donor as a commitment (never a name). Built on the fly, cheaply (no
 * randomness per event), by both runs alike. Keys are written in canonical (sorted) order,
 * so JSON.stringify gives the very bytes encodeEvent does: the baseline inserts the same rows
 * without the canonical encoder.
 */
function donation(n: number): LedgerEvent {
  const p = projects[n % projects.length]!;
  const id = n.toString(16).padStart(12, '0');
  return {
    at: new Date(base + n * 7).toISOString(),
    data: {
      amount: 1000 + ((n * 7919) % 99_000),
      channel: 'wechat-pay',
      currency: 'CNY',
      donationId: `${runId}-d0a7-4e11-8b2c-${id}`,
      donorCommitment: commitments[n % commitments.length]!,
      orgId: p.orgId,
      projectId: p.projectId,
    },
    type: 'donation.received',
    v: 1,
  };
}

// ---- CPU accounting -------------------------------------------------------------------------

/**
 * The PostgreSQL backends serving the bench's database, by pid. The server may be shared (other
 * test runs use it at the same time), so only these are counted, not every `postgres` process:
 * the WAL writer, checkpointer and other databases' backends are left out.
 */
const backends = new Map<number, number>();
async function trackBackends(db: Kysely<DB>): Promise<void> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where datname = current_database()`.execute(db);
  for (const r of rows) if (!backends.has(r.pid)) backends.set(r.pid, 0);
}

/**
 * CPU seconds used so far by this process, and by the bench database's PostgreSQL backends. A
 * backend that has exited (the pool closes idle connections) keeps the CPU it was last seen with.
 */
function cpuNow(): { node: number; pg: number } {
  const u = process.cpuUsage();
  let pg = 0;
  const tick = 100; // USER_HZ on Linux
  for (const [pid, last] of backends) {
    let used = last;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used = (Number(f[11]) + Number(f[12])) / tick;
      backends.set(pid, used);
    } catch {}
    pg += used;
  }
  return { node: (u.user + u.system) / 1e6, pg };
}

// ---- statistics ----------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ---- stores --------------------------------------------------------------------------------

/** A database made for one measurement, deleted afterwards. */
interface Fresh {
  database: Database;
  remove(): Promise<void>;
}

interface Store {
  name: 'PGlite' | 'PostgreSQL';
  appenders: number;
  /** A new, empty, migrated database: each measurement starts from the same state. */
  fresh(): Promise<Fresh>;
  version?: string;
  cleanup(): Promise<void>;
}

async function migrated(database: Database): Promise<Database> {
  await migrateToLatest(database.db);
  return database;
}

async function pgliteStore(): Promise<Store> {
  return {
    name: 'PGlite',
    // One connection: concurrent transactions would only queue for it.
    appenders: 1,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'goodtrace-bench-'));
      const database = await migrated(await openDatabase({ kind: 'pglite', dataDir: dir }));
      return {
        database,
        async remove() {
          await database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async cleanup() {},
  };
}

async function postgresStore(): Promise<Store | string> {
  let admin: Database;
  try {
    admin = await openDatabase({ kind: 'postgres', url: PG_ADMIN_URL, poolSize: 1 });
    await admin.ping();
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_ADMIN_URL} (${(err as Error).message}): skipped`;
  }
  const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(
    admin.db,
  );
  let made = 0;
  return {
    name: 'PostgreSQL',
    appenders: PG_APPENDERS,
    version: rows[0]?.v,
    async fresh() {
      const name = `goodtrace_bench_${Date.now()}_${made++}`;
      await sql.raw(`create database ${name}`).execute(admin.db);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${name}`;
      const database = await migrated(await openDatabase({ kind: 'postgres', url: url.href }));
      return {
        database,
        async remove() {
          await database.close();
          // BENCH_KEEP_DB=1 keeps it to look at afterwards (plans, proofs); drop it yourself.
          if (process.env.BENCH_KEEP_DB === '1') console.error(`kept database ${name}`);
          else await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
        },
      };
    },
    cleanup: () => admin.close(),
  };
}

/** Runs `fn` on a fresh database of `store`, which is deleted afterwards. */
async function onFresh<T>(store: Store, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const fresh = await store.fresh();
  try {
    const { db } = fresh.database;
    // Every measurement starts after a checkpoint, so none pays for another's dirty pages.
    if (store.name === 'PostgreSQL') await sql`checkpoint`.execute(db);
    return await fn(db);
  } finally {
    await fresh.remove();
  }
}

// ---- the runs ------------------------------------------------------------------------------

/** Runs `appenders` workers, each committing transactions of TX_SIZE rows until N are written. */
/**
 * BENCH_MULTI_ROW=1: each transaction writes its events with one multi-row INSERT
 * (appendEvents), and the baseline likewise; otherwise one INSERT per event (appendEvent),
 * as a domain operation that logs one event does.
 */
const MULTI_ROW = process.env.BENCH_MULTI_ROW === '1';

/** One statement per row, in order. */
async function perRow(first: number, count: number, one: (i: number) => Promise<string[]>) {
  const out: string[] = [];
  for (let i = first; i < first + count; i++) out.push(...(await one(i)));
  return out;
}

async function runAppenders(
  db: Kysely<DB>,
  appenders: number,
  n: number,
  insert: (tx: Kysely<DB>, first: number, count: number) => Promise<string[]>,
  onCommit?: (first: number, ids: string[], at: number) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const first = next;
      if (first >= n) return;
      const count = Math.min(TX_SIZE, n - first);
      next += count;
      const ids = await db.transaction().execute((tx) => insert(tx, first, count));
      onCommit?.(first, ids, performance.now());
      // Like a server between requests, let timers run: on PGlite the database runs on this
      // thread and its replies are microtasks, so a tight loop would starve the sequencer's poll.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: appenders }, worker));
}

interface Cpu {
  node: number;
  pg: number;
}

/** A measured run: events per second and CPU microseconds per event. */
interface Run {
  rate: number;
  cpu: Cpu;
}

/** CPU is counted for this database's backends only, from the start of the timed part. */
async function startCpu(store: Store, db: Kysely<DB>): Promise<() => Cpu> {
  backends.clear();
  if (store.name !== 'PostgreSQL') {
    const cpu0 = cpuNow();
    return () => cpuPerRaw(cpu0);
  }
  await trackBackends(db);
  // A pool connection opened during a run is counted from its start (its CPU then was ~0).
  const tracking = setInterval(() => void trackBackends(db).catch(() => {}), 200);
  const cpu0 = cpuNow();
  return () => {
    clearInterval(tracking);
    return cpuPerRaw(cpu0);
  };
}

function cpuPerRaw(from: Cpu): Cpu {
  const now = cpuNow();
  return { node: now.node - from.node, pg: now.pg - from.pg };
}

const perEvent = (c: Cpu, n: number): Cpu => ({ node: (c.node * 1e6) / n, pg: (c.pg * 1e6) / n });

/**
 * The raw baseline: `n` plain inserts of the same rows, with the same statements, batching
 * and concurrency as the appenders, into a table shaped like the outbox: storage alone.
 */
async function baseline(store: Store, db: Kysely<DB>, n: number): Promise<Run> {
  await sql`create table bench_baseline (
    id bigint primary key generated always as identity,
    event_type text not null,
    leaf bytea not null,
    queued_at timestamptz not null default clock_timestamp())`.execute(db);
  const enc = new TextEncoder();
  const rows = (tx: Kysely<DB>, first: number, count: number) =>
    tx
      .withTables<{ bench_baseline: DB['ledger_outbox'] }>()
      .insertInto('bench_baseline')
      .values(
        Array.from({ length: count }, (_, k) => {
          const e = donation(first + k);
          return { event_type: e.type, leaf: enc.encode(JSON.stringify(e)) };
        }),
      )
      .returning('id')
      .execute()
      .then((r) => r.map((x) => x.id));
  const cpu = await startCpu(store, db);
  const t0 = performance.now();
  await runAppenders(db, store.appenders, n, (tx, first, count) =>
    MULTI_ROW ? rows(tx, first, count) : perRow(first, count, (i) => rows(tx, i, 1)),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  return { rate, cpu: perEvent(cpu(), n) };
}

interface Sequenced extends Run {
  t0: number;
  /** Each committed batch: when its COMMIT returned, and the tree size it signed. */
  checkpoints: { at: number; size: number }[];
  /** The transactions followed for the latency figure: their outbox ids and commit times. */
  followed: { ids: string[]; at: number }[];
  maxBacklog: number;
}

/**
 * `n` events through appendEvent(s), batched and run concurrently as the baseline is, while the
 * Sequencer runs, from an empty log; the clock stops when the signed tree size reaches `n`.
 */
async function sequenced(
  store: Store,
  db: Kysely<DB>,
  n: number,
  say?: (s: string) => void,
): Promise<Sequenced> {
  const key = generateSignerKey(ORIGIN);
  const logKey = { signerKey: key.signerKey, verifierKey: key.verifierKey, origin: ORIGIN };
  await initLogState(db, logKey);
  const checkpoints: { at: number; size: number }[] = [];
  let t0 = 0;
  const sequencer = new Sequencer({
    db,
    key: logKey,
    batchSize: ledgerConfig.batchSize,
    pollMs: ledgerConfig.pollMs,
    log: pino({ level: 'silent' }),
    metrics: createMetrics().ledger,
    onCheckpoint: (size) => {
      const prev = checkpoints.at(-1) ?? { at: t0, size: 0 };
      checkpoints.push({ at: performance.now(), size });
      if (say && Math.floor(size / STRETCH) > Math.floor(prev.size / STRETCH)) {
        say(
          `  ${size.toLocaleString('en-US')} entries after ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
      }
    },
  });
  // Every 20th transaction is followed to its index for the latency figure.
  const followed: { ids: string[]; at: number }[] = [];
  let appended = 0;
  let maxBacklog = 0;
  await sequencer.warmUp();
  const cpu = await startCpu(store, db);
  t0 = performance.now();
  sequencer.start();
  const done = new Promise<number>((resolve) => {
    const poll = setInterval(() => {
      const last = checkpoints.at(-1);
      if (last && last.size >= n) {
        clearInterval(poll);
        resolve(last.at);
      }
    }, 1);
  });
  await runAppenders(
    db,
    store.appenders,
    n,
    (tx, first, count) =>
      MULTI_ROW
        ? appendEvents(
            tx,
            Array.from({ length: count }, (_, k) => donation(first + k)),
          )
        : perRow(first, count, async (i) => [await appendEvent(tx, donation(i))]),
    (first, ids, at) => {
      appended += ids.length;
      maxBacklog = Math.max(maxBacklog, appended - (checkpoints.at(-1)?.size ?? 0));
      if ((first / TX_SIZE) % 20 === 0) followed.push({ ids, at });
    },
  );
  const end = await done;
  await sequencer.stop();

  return {
    rate: n / ((end - t0) / 1000),
    cpu: perEvent(cpu(), n),
    t0,
    checkpoints,
    followed,
    maxBacklog,
  };
}

interface Pair {
  baseline: Run;
  sequenced: Run;
  ratio: number;
}

/**
 * The ratio, as PAIRS pairs of runs of BASELINE events each: the baseline on one fresh database
 * and the sequenced run on another, in alternating order, so that neither always runs on a
 * warmer or a more loaded machine. On this shared 2-core VM one pair can differ from the next
 * by ±0.07; the median of the pairs is the figure, and every pair is printed.
 *
 * One untimed pair of WARMUP events runs first: the first run of a process pays for compiling
 * the code it runs, and a cold first baseline made the first pair's ratio 0.05–0.10 higher
 * than the others (docs/PERFORMANCE.md, "Seventh round").
 */
async function pairs(store: Store, say: (s: string) => void): Promise<Pair[]> {
  if (WARMUP > 0) {
    say(`warm-up: one untimed pair of ${WARMUP.toLocaleString('en-US')} events`);
    await onFresh(store, (db) => baseline(store, db, WARMUP));
    await onFresh(store, (db) => sequenced(store, db, WARMUP));
  }
  const out: Pair[] = [];
  for (let k = 0; k < PAIRS; k++) {
    const runBaseline = () => onFresh(store, (db) => baseline(store, db, BASELINE));
    const runSequenced = () => onFresh(store, (db) => sequenced(store, db, BASELINE));
    let b: Run;
    let q: Run;
    if (k % 2 === 0) {
      b = await runBaseline();
      q = await runSequenced();
    } else {
      q = await runSequenced();
      b = await runBaseline();
    }
    const pair = { baseline: b, sequenced: { rate: q.rate, cpu: q.cpu }, ratio: q.rate / b.rate };
    say(
      `pair ${k + 1}/${PAIRS}: baseline ${Math.round(b.rate)}/s, sequenced ${Math.round(q.rate)}/s, ratio ${pair.ratio.toFixed(2)}`,
    );
    out.push(pair);
  }
  return out;
}

interface Figures {
  store: string;
  appenders: number;
  pairs: Pair[];
  /** The pair with the median ratio. */
  median: Pair;
  sequencedRate: number;
  sequencedCpu: Cpu;
  load: number[];
  loadBefore: number[];
  stretches: { upTo: number; rate: number }[];
  latency: { p50: number; p99: number; samples: number };
  maxBacklog: number;
  batches: number;
  proof: { p50: number; p99: number; apiP50: number; apiP99: number; size: number };
  tables: Record<string, string>;
}

async function bench(store: Store): Promise<Figures> {
  const loadBefore = loadavg();
  const say = (s: string) => console.error(`  [${store.name}] ${s}`);
  const sample = encodeEvent(donation(0));
  if (new TextDecoder().decode(sample) !== JSON.stringify(donation(0)))
    throw new Error('bench events must be written in canonical key order');

  say(
    `ratio: ${PAIRS} pairs of ${BASELINE.toLocaleString('en-US')} plain inserts / sequenced events…`,
  );
  const measured = await pairs(store, say);
  const byRatio = [...measured].sort((a, b) => a.ratio - b.ratio);
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)]!;

  return onFresh(store, async (db) => {
    say(`sequenced: ${ENTRIES.toLocaleString()} events through appendEvent + Sequencer…`);
    const run = await sequenced(store, db, ENTRIES, say);
    const { t0, checkpoints, followed } = run;
    say(`sequenced ${Math.round(run.rate)}/s`);

    // Rate of each stretch of STRETCH entries: when the signed size first reached its end.
    const stretches: { upTo: number; rate: number }[] = [];
    let prev = { at: t0, size: 0 };
    for (let upTo = STRETCH; upTo <= ENTRIES; upTo += STRETCH) {
      const c = checkpoints.find((k) => k.size >= upTo)!;
      stretches.push({ upTo, rate: (c.size - prev.size) / ((c.at - prev.at) / 1000) });
      prev = c;
    }

    // Latency: each followed event's index, then the first checkpoint that covers it.
    const ids = followed.flatMap((f) => f.ids);
    const { rows } = await sql<{ outbox_id: string; idx: string }>`
      select * from (
        select id::text as outbox_id, ledger_index_of(id) as idx from unnest(${ids}::bigint[]) id
      ) i where idx is not null`.execute(db);
    const idxOf = new Map(rows.map((r) => [r.outbox_id, Number(r.idx)]));
    const lat: number[] = [];
    for (const f of followed) {
      for (const id of f.ids) {
        const idx = idxOf.get(id);
        if (idx === undefined) throw new Error(`outbox row ${id} was never sequenced`);
        // Binary search: the first checkpoint whose size covers idx.
        let lo = 0;
        let hi = checkpoints.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (checkpoints[mid]!.size > idx) hi = mid;
          else lo = mid + 1;
        }
        lat.push(Math.max(0, checkpoints[lo]!.at - f.at));
      }
    }
    lat.sort((a, b) => a - b);
    // -- proofs at the final size, checked against the signed root.
    say(`proofs: ${PROOFS} inclusion proofs…`);
    const state = await db
      .selectFrom('ledger_state')
      .select(['tree_size', 'checkpoint'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const size = Number(state.tree_size);
    const root = parseCheckpoint(splitNote(state.checkpoint).text).rootHash;
    const indexes = Array.from({ length: PROOFS }, () => Math.floor(Math.random() * size));
    const leafOf = async (i: number) => (await readEntries(db, i, i + 1))[0]!.leaf;
    // One tile cache for this database, as the server's LedgerService keeps.
    const tiles = new TileCache();
    for (const i of indexes.slice(0, 50)) await inclusionProof(db, tiles, i, size); // warm-up
    const proofTimes: number[] = [];
    for (const [k, i] of indexes.entries()) {
      const s = performance.now();
      const proof = await inclusionProof(db, tiles, i, size);
      proofTimes.push(performance.now() - s);
      if (k % 100 === 0) {
        const leafHash = hashLeaf(await leafOf(i));
        verifyInclusion({ leafHash, index: i, treeSize: size, proof, rootHash: root });
      }
    }
    const apiTimes: number[] = [];
    for (const [k, i] of indexes.entries()) {
      const s = performance.now();
      const p = await getInclusionProof(db, tiles, i);
      apiTimes.push(performance.now() - s);
      if (k % 100 === 0) {
        verifyInclusion({
          leafHash: decodeBase64(p.leafHash),
          index: i,
          treeSize: p.treeSize,
          proof: p.proof.map((h) => decodeBase64(h)),
          rootHash: root,
        });
      }
    }
    proofTimes.sort((a, b) => a - b);
    apiTimes.sort((a, b) => a - b);

    const { rows: sizes } = await sql<{ t: string; s: string }>`
      select relname as t, pg_size_pretty(pg_total_relation_size(oid)) as s from pg_class
      where relname in ('ledger_batches', 'ledger_tiles', 'ledger_checkpoints', 'ledger_outbox')`.execute(
      db,
    );
    return {
      store: store.name,
      appenders: store.appenders,
      pairs: measured,
      median,
      sequencedRate: run.rate,
      sequencedCpu: run.cpu,
      load: loadavg(),
      loadBefore,
      stretches,
      latency: { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), samples: lat.length },
      maxBacklog: run.maxBacklog,
      batches: checkpoints.length,
      proof: {
        p50: quantile(proofTimes, 0.5),
        p99: quantile(proofTimes, 0.99),
        apiP50: quantile(apiTimes, 0.5),
        apiP99: quantile(apiTimes, 0.99),
        size,
      },
      tables: Object.fromEntries(sizes.map((r) => [r.t, r.s])),
    };
  });
}

// ---- main ----------------------------------------------------------------------------------

const at = ENTRIES.toLocaleString('en-US');
const fmtRate = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;

function pgClientVersion(): string {
  try {
    return execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'psql not found';
  }
}

const started = performance.now();
const results: Figures[] = [];
const notes: string[] = [];
let pgVersion: string | undefined;
for (const kind of ONLY) {
  const store = kind === 'pglite' ? await pgliteStore() : await postgresStore();
  if (typeof store === 'string') {
    notes.push(store);
    console.error(store);
    continue;
  }
  pgVersion ??= store.version;
  try {
    results.push(await bench(store));
  } finally {
    await store.cleanup();
  }
}

console.log(`Goodtrace ledger service benchmark, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ` +
    `PostgreSQL ${pgVersion ?? '(not reached)'} (${pgClientVersion()}), ${await pgliteVersion()}`,
);
console.log(
  `${ENTRIES.toLocaleString('en-US')} entries per store; transactions of ${TX_SIZE} events, ` +
    `${MULTI_ROW ? 'each one multi-row INSERT (appendEvents; BENCH_MULTI_ROW=1)' : 'one INSERT per event (appendEvent)'}; ` +
    `sequencer batches ≤ ${ledgerConfig.batchSize} (LEDGER_BATCH_SIZE), poll ${ledgerConfig.pollMs} ms; node:crypto provider`,
);
for (const n of notes) console.log(n);
console.log('');
const cols = results.map((r) => r.store);
const row = (label: string, cells: string[], target = ''): void => {
  console.log(
    `${label.padEnd(44)}${cells.map((c) => c.padStart(16)).join('')}  ${target}`.trimEnd(),
  );
};
const us = (x: number) => `${x.toFixed(0)} µs`;
const cpu = (r: Figures, c: Cpu) =>
  r.store === 'PGlite' ? us(c.node) : `${us(c.node)} + ${us(c.pg)}`;
const first = BASELINE.toLocaleString('en-US');
const second = (r: Figures) => r.stretches[Math.min(1, r.stretches.length - 1)]!;
const table: [string, (r: Figures) => string, string?][] = [
  ['concurrent appenders', (r) => String(r.appenders)],
  [`ratio: ${PAIRS} pairs of ${first} events, each run on a fresh database`, () => ''],
  ['  raw baseline (plain inserts), median pair', (r) => fmtRate(r.median.baseline.rate)],
  ['  sequenced, median pair', (r) => fmtRate(r.median.sequenced.rate)],
  ['  ratio to baseline, median of the pairs', (r) => r.median.ratio.toFixed(2), '≥ 0.70'],
  ['  CPU per event, baseline (Node + PG)', (r) => cpu(r, r.median.baseline.cpu)],
  ['  CPU per event, sequenced (Node + PG)', (r) => cpu(r, r.median.sequenced.cpu)],
  [`sequenced: all ${at} entries`, (r) => fmtRate(r.sequencedRate), '≥ 20,000/s'],
  [`  stretch ending ${(2 * STRETCH).toLocaleString('en-US')}`, (r) => fmtRate(second(r).rate)],
  [`  stretch ending ${at}`, (r) => fmtRate(r.stretches.at(-1)!.rate)],
  [
    '  last / second stretch',
    (r) => (r.stretches.at(-1)!.rate / second(r).rate).toFixed(2),
    'flat (≈ 1.0)',
  ],
  ['  sequencer batches (mean size)', (r) => `${r.batches} (${Math.round(ENTRIES / r.batches)})`],
  ['  max outbox backlog seen', (r) => r.maxBacklog.toLocaleString('en-US')],
  [`CPU per event, all ${at} sequenced`, (r) => cpu(r, r.sequencedCpu)],
  ['commit → index latency p50', (r) => ms(r.latency.p50)],
  ['commit → index latency p99', (r) => ms(r.latency.p99)],
  [`inclusion proof at ${at}, p50`, (r) => ms(r.proof.p50)],
  [`inclusion proof at ${at}, p99`, (r) => ms(r.proof.p99), '≤ 5 ms'],
  ['  whole API answer (read.ts) p50', (r) => ms(r.proof.apiP50)],
  ['  whole API answer (read.ts) p99', (r) => ms(r.proof.apiP99)],
  [
    'load average before / after the store (1 min)',
    (r) => `${r.loadBefore[0]!.toFixed(1)} / ${r.load[0]!.toFixed(1)}`,
  ],
];
row('', cols, 'target (PostgreSQL)');
for (const [label, cell, target] of table) row(label, results.map(cell), target);
console.log('');
console.log(`ratio of each pair, in the order run (baseline → sequenced events/s):`);
for (const r of results)
  console.log(
    `  ${r.store.padEnd(11)} ${r.pairs.map((p) => `${p.ratio.toFixed(2)} (${Math.round(p.baseline.rate / 1000)}k → ${Math.round(p.sequenced.rate / 1000)}k)`).join(', ')}`,
  );
console.log(`append rate per stretch of ${STRETCH.toLocaleString('en-US')} entries:`);
for (const r of results)
  console.log(
    `  ${r.store.padEnd(11)} ${r.stretches.map((s) => `${Math.round(s.rate / 1000)}k`).join(' ')}`,
  );
console.log(`storage: ${results.map((r) => `${r.store} ${JSON.stringify(r.tables)}`).join('; ')}`);
console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);

async function pgliteVersion(): Promise<string> {
  try {
    const db = new PGlite();
    const { rows } = await db.query<{ v: string }>('select version() as v');
    await db.close();
    return /PGlite [\d.]+/.exec(rows[0]?.v ?? '')?.[0] ?? '?';
  } catch {
    return '?';
  }
}
