// Benchmark of donations over real HTTP, on PostgreSQL and on PGlite. Figures and analysis:
// docs/PERFORMANCE.md, section "Donations over HTTP".
//
//   npm run bench:donations -w apps/server
//   BENCH_STORES=postgres BENCH_HTTP_SECONDS=20 BENCH_BULK_DONATIONS=200000 npm run bench:donations …
//
// Per store, on a fresh database (a new goodtrace_bench_donations_<ms> database on PostgreSQL at
// BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres, skipped when
// unreachable; PGlite in a temp folder; both deleted afterwards), a real server on 127.0.0.1
// (sandbox payments, donation rate limit out of the way) with its sequencer, as `npm start`
// runs it. On PostgreSQL it is src/main.ts in a child process with SERVER_PROCESSES =
// BENCH_SERVER_PROCESSES (default 2: a cluster primary and two workers; 1: one process, no
// cluster — faster below ~100 connections on these 2 cores, slower at 256: docs/PERFORMANCE.md), LOG_LEVEL warn; the bench keeps an in-process app on the same database, its
// sequencer off, for set-up over app.inject and for the checks. On PGlite (one process only
// can open it) the server is that in-process app (buildApp + listen, LOG_LEVEL silent).
//
//   1. paid donations/s  A featured project is created and published through the API. A load
//      generator in a child process loops over BENCH_CONNECTIONS keep-alive connections:
//      POST /api/projects/:id/donations, then the sandbox checkout's
//      POST /api/payments/sandbox/:id/pay, for BENCH_HTTP_SECONDS after a warm-up. The load
//      generator is wrk with bench/donations.lua (bench/donations-wrk.ts; BENCH_WRK_THREADS
//      threads, default 2) when `wrk` is on PATH, else autocannon (bench/donations-load.ts);
//      BENCH_LOAD=wrk|autocannon chooses.
//      Only donations whose pay answer is `credited` count. Then: the outbox drains, the log's
//      size equals the events queued, checkBooks finds nothing, and the project's raised equals
//      the sum of its paid donations and of what the load generator saw credited.
//   2. reads at size     A second project gets BENCH_TRACED donations through the API and
//      BENCH_DISBURSEMENTS disbursements (FIFO allocations, evidence, most acknowledged), all
//      through the API. Then BENCH_BULK_DONATIONS (1,000,000) paid donations are bulk-loaded
//      into the featured project with SQL (generate_series; each with its donation.received
//      event in the outbox, sequenced by the running sequencer, and the fund shards credited),
//      and the database is vacuumed and analysed. Measured over real HTTP, one request at a
//      time: the donor's trace (GET /api/donations/:id/trace?token=) of every traced donation
//      and of as many bulk-loaded ones, the featured project's page (GET /api/projects/:id) and
//      its first page of donations.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent } from '@goodtrace/ledger';
import { type Kysely, sql } from 'kysely';
import { type App, buildApp } from '../src/app.js';
import { checkBooks } from '../src/books/check-books.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { accessToken } from '../src/donations/donor-secret.js';
import { donationReceivedEvent } from '../src/ledger/events.js';
import { pendingEvents } from '../src/ledger/read.js';
import type { LoadJob, LoadResult } from './donations-load.js';
import { findWrk, runWrk, WRK_THREADS } from './donations-wrk.js';
import { type ServerProcesses, startServerProcesses } from './server-processes.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 512);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const BULK = Number(process.env.BENCH_BULK_DONATIONS ?? 1_000_000);
const BULK_CHUNK = 50_000;
const TRACED = Number(process.env.BENCH_TRACED ?? 2_000);
const DISBURSEMENTS = Number(process.env.BENCH_DISBURSEMENTS ?? 20);
const PAGE_READS = Number(process.env.BENCH_PAGE_READS ?? 1_000);
const CHECK_AT_SIZE = process.env.BENCH_CHECK_AT_SIZE !== '0';
const PG_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env.BENCH_STORES?.split(',') ?? ['postgres', 'pglite'];
const WRK = findWrk();
const LOAD = process.env.BENCH_LOAD || (WRK ? 'wrk' : 'autocannon');
if (LOAD !== 'wrk' && LOAD !== 'autocannon')
  throw new Error(`BENCH_LOAD must be wrk or autocannon, got "${LOAD}"`);
if (LOAD === 'wrk' && !WRK)
  throw new Error('BENCH_LOAD=wrk but wrk is not on PATH (Debian: apt-get install wrk)');
/** Server processes on PostgreSQL (BENCH_SERVER_PROCESSES); PGlite is one process, always. */
const PG_SERVER_PROCESSES = Number(process.env.BENCH_SERVER_PROCESSES || 2);
if (!Number.isInteger(PG_SERVER_PROCESSES) || PG_SERVER_PROCESSES < 1 || PG_SERVER_PROCESSES > 64)
  throw new Error(
    `BENCH_SERVER_PROCESSES must be 1 to 64, got "${process.env.BENCH_SERVER_PROCESSES}"`,
  );

const say = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const load1 = () => loadavg()[0]!.toFixed(2);

// ---- measuring -------------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** CPU seconds so far of the server (`server`) and of the local PostgreSQL server's processes. */
function cpuNow(server: () => number): { node: number; pg: number } {
  let pg = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const f = stat.slice(close + 2).split(' ');
      pg += (Number(f[11]) + Number(f[12])) / 100;
    } catch {}
  }
  return { node: server(), pg };
}

/** This process's CPU seconds: the server's, when it runs in-process (PGlite). */
function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs one job in the load generator's own process: `donate` with wrk when chosen (BENCH_LOAD),
 * otherwise, and always for `get`, with autocannon (bench/donations-load.ts).
 */
function runLoad(job: LoadJob): Promise<LoadResult> {
  if (job.mode === 'donate' && LOAD === 'wrk') return runWrk(WRK!, job);
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./donations-load.ts', import.meta.url).pathname, [], {
      execArgv: ['--conditions=@goodtrace/source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: LoadResult | undefined;
    child.on('message', (m) => {
      result = m as LoadResult;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load generator exited with ${code}`)),
    );
    child.send(job);
  });
}

// ---- stores ----------------------------------------------------------------------------------

interface Store {
  name: 'PGlite' | 'PostgreSQL';
  open(): Promise<Database>;
  /** PostgreSQL: the fresh database's URL, for server processes. */
  url?: string;
  version: string;
  cleanup(): Promise<void>;
}

function pgliteStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'goodtrace-bench-donations-'));
  return {
    name: 'PGlite',
    version: '',
    open: () => openDatabase({ kind: 'pglite', dataDir: dir }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
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
  const name = `goodtrace_bench_donations_${Date.now()}`;
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name: 'PostgreSQL',
    version: rows[0]?.v ?? '?',
    url: url.href,
    open: () => openDatabase({ kind: 'postgres', url: url.href, poolSize: POOL }),
    async cleanup() {
      try {
        // BENCH_KEEP_DB=1 keeps it to look at afterwards (plans, sizes); drop it yourself.
        if (process.env.BENCH_KEEP_DB === '1') console.error(`kept database ${name}`);
        else await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      } finally {
        await admin.close();
      }
    },
  };
}

// ---- the API, in-process, for set-up --------------------------------------------------------

/** A browser-like caller over app.inject(): keeps the session cookie, sends the CSRF token. */
class Caller {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(readonly app: App) {}

  async call(method: 'GET' | 'POST', url: string, body?: unknown, headers = {}) {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = `gt_session=${this.cookie}`;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await this.app.inject({
      method,
      url,
      headers: h,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    const set = res.cookies.find((c) => c.name === 'gt_session');
    if (set) this.cookie = set.value;
    const json = res.headers['content-type']?.toString().includes('json') ? res.json() : {};
    if (json && typeof json === 'object' && 'csrfToken' in json) this.csrf = json.csrfToken;
    // biome-ignore lint/suspicious/noExplicitAny: set-up reads a few fields of known answers
    return json as Record<string, any>;
  }
}

const samplePdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

async function charity(app: App, db: Kysely<DB>) {
  const tag = randomBytes(4).toString('hex');
  const owner = new Caller(app);
  await owner.call('POST', '/api/auth/sign-up', {
    email: `owner-${tag}@example.org`,
    password: 'correct horse battery',
    displayName: 'Bench Owner',
  });
  const org = await owner.call('POST', '/api/orgs', {
    name: `Bench Charity ${tag}`,
    registrationNumber: `REG-${tag}`.toUpperCase(),
    city: 'Chengdu',
    cause: 'education',
    contactEmail: `contact-${tag}@example.org`,
    description: 'Books and teachers for village schools.',
  });
  const admin = new Caller(app);
  await admin.call('POST', '/api/auth/sign-up', {
    email: `admin-${tag}@example.org`,
    password: 'correct horse battery',
    displayName: 'Bench Admin',
  });
  await db
    .updateTable('users')
    .set({ platform_role: 'admin' })
    .where('email', '=', `admin-${tag}@example.org`)
    .execute();
  await admin.call('POST', `/api/admin/orgs/${org.id}/verify`);
  return { owner, orgId: org.id as string };
}

async function publishProject(owner: Caller, orgId: string, title: string) {
  const p = await owner.call('POST', `/api/orgs/${orgId}/projects`, {
    title,
    summary: 'New textbooks for 120 pupils of a village school.',
    story: 'The school has used the same books for ten years. We will buy a full set.',
    cause: 'education',
    city: 'Kunming',
    region: 'Yunnan',
    beneficiaryDescription: 'Hillside Primary School, 120 pupils',
    goal: { amount: 9_000_000_000, currency: 'CNY' },
    budget: [
      { label: 'Books', amount: 8_000_000_000 },
      { label: 'Transport', amount: 1_000_000_000 },
    ],
    startDate: '2026-01-01',
    endDate: '2027-06-30',
  });
  await owner.call('POST', `/api/orgs/${orgId}/projects/${p.id}/publish`);
  return p as { id: string; budget: { id: string }[] };
}

// ---- bulk load -------------------------------------------------------------------------------

const BULK_TIME0 = Date.parse('2026-11-20T00:00:00.000Z');
const bulkSecret = (run: string, n: number) =>
  Buffer.from(
    createHash('md5').update(`a${run}${n}`).digest('hex') +
      createHash('md5').update(`b${run}${n}`).digest('hex'),
    'hex',
  );
const bulkId = (run: string, n: number) => {
  const h = createHash('md5').update(`${run}${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * Donations from..to-1 of a bulk load, paid, in one statement: the donation rows, their
 * donation.received events in the outbox (canonical JSON built in SQL, checked against
 * encodeEvent below) and the fund shards' credit. Donation n: id md5(run‖n), amount
 * 100 × (1 + n·7919 mod 500) fen, paid at BULK_TIME0 + n ms, paidSeq seq0 + n.
 */
function bulkChunk(
  db: Kysely<DB>,
  p: { id: string; orgId: string },
  run: string,
  seq0: number,
  from: number,
  to: number,
) {
  const prefix = Buffer.from('goodtrace donor access\0');
  return sql`
    with src as (
      select n, md5(${run} || n) as h,
        md5(${run} || n)::uuid as id,
        decode(md5('a' || ${run} || n) || md5('b' || ${run} || n), 'hex') as secret,
        100 * (1 + (n::bigint * 7919) % 500) as amount,
        ${seq0}::bigint + n as seq,
        ${new Date(BULK_TIME0).toISOString()}::timestamptz + n * interval '1 millisecond' as at
      from generate_series(${from}::int, ${to - 1}::int) n
    ),
    ev as (
      select src.*,
        translate(encode(sha256(${prefix}::bytea || secret), 'base64'), '+/=', '-_') as token,
        '{"at":"' || to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          || '","data":{"amount":' || amount || ',"currency":"CNY","donationId":"' || id
          || '","donor":"' || encode(sha256(secret || convert_to(id::text, 'UTF8')), 'hex')
          || '","orgId":"' || ${p.orgId} || '","paidSeq":' || seq
          || ',"projectId":"' || ${p.id} || '"},"type":"donation.received","v":1}' as json
      from src
    ),
    o as (
      insert into ledger_outbox (event_type, leaf)
      select 'donation.received', convert_to(json, 'UTF8') from ev order by n
      returning id, (convert_from(leaf, 'UTF8')::json #>> '{data,donationId}')::uuid as donation_id
    ),
    f as (
      update project_funds f set raised = f.raised + s.amount, balance = f.balance + s.amount,
        donations = f.donations + s.n
      from (select strpos('0123456789abcdef', substr(h, 8, 1)) - 1 as shard,
              sum(amount) as amount, count(*) as n
            from src group by 1) s
      where f.project_id = ${p.id} and f.shard = s.shard
    )
    insert into donations (id, project_id, org_id, amount, currency, status, donor_email,
      anonymous, idempotency_key, request_hash, provider, provider_ref, shard, donor_secret,
      access_token_hash, paid_seq, paid_at, outbox_id, created_at)
    select ev.id, ${p.id}::uuid, ${p.orgId}::uuid, amount, 'CNY', 'paid', 'bulk-donor@example.org',
      false, 'bulk-' || ${run} || '-' || n, 'bulk', 'sandbox', 'sbx_bulk_' || h,
      strpos('0123456789abcdef', substr(h, 8, 1)) - 1, secret,
      encode(sha256(convert_to(token, 'UTF8')), 'hex'), seq, at, o.id, at - interval '1 minute'
    from ev join o on o.donation_id = ev.id`.execute(db);
}

async function bulkLoad(db: Kysely<DB>, p: { id: string; orgId: string }, run: string) {
  // Make room in the paid-donation sequence for the whole load: paidSeq seq0 + n.
  const { seq0 } = await sql<{ seq0: string }>`
    select setval('donation_paid_seq', nextval('donation_paid_seq') + ${BULK}) - ${BULK} as seq0`
    .execute(db)
    .then((r) => r.rows[0]!);
  // The event built in SQL must be the very bytes encodeEvent gives.
  await db
    .transaction()
    .execute(async (tx) => {
      await bulkChunk(tx, p, run, Number(seq0), 0, 1);
      const row = await tx
        .selectFrom('ledger_outbox')
        .select('leaf')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      const secret = bulkSecret(run, 0);
      const id = bulkId(run, 0);
      const expected = encodeEvent(
        donationReceivedEvent(
          {
            id,
            projectId: p.id,
            orgId: p.orgId,
            amount: 100 * (1 + ((0 * 7919) % 500)),
            currency: 'CNY',
            paidSeq: Number(seq0),
            donor: createHash('sha256').update(secret).update(id, 'utf8').digest('hex'),
          },
          new Date(BULK_TIME0),
        ),
      );
      if (Buffer.compare(Buffer.from(row.leaf), Buffer.from(expected)) !== 0)
        throw new Error(
          `bulk event differs from encodeEvent:\n${Buffer.from(row.leaf)}\n${Buffer.from(expected)}`,
        );
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  for (let from = 0; from < BULK; from += BULK_CHUNK) {
    await bulkChunk(db, p, run, Number(seq0), from, Math.min(BULK, from + BULK_CHUNK));
    if ((from / BULK_CHUNK) % 4 === 3) say(`  bulk: ${from + BULK_CHUNK} donations`);
  }
}

class Rollback extends Error {}

async function drain(db: Kysely<DB>, timeoutMs = 600_000) {
  const t0 = performance.now();
  while ((await pendingEvents(db)) > 0) {
    if (performance.now() - t0 > timeoutMs) throw new Error('the outbox did not drain');
    await new Promise((r) => setTimeout(r, 20));
  }
  return (performance.now() - t0) / 1000;
}

async function checkpointCount(db: Kysely<DB>) {
  const { n } = await db
    .selectFrom('ledger_checkpoints')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function logSizes(db: Kysely<DB>) {
  // One statement, one snapshot: the tree size and the entries the log holds below it (the
  // outbox rows its batches place there).
  const { rows } = await sql<{ size: string; entries: string; received: string }>`
    select s.tree_size as size, count(e.idx) as entries,
      count(e.idx) filter (where e.event_type = 'donation.received') as received
    from ledger_state s
    left join lateral ledger_entries(0, s.tree_size) e on true
    where s.id = 1
    group by s.tree_size`.execute(db);
  return {
    size: Number(rows[0]!.size),
    entries: Number(rows[0]!.entries),
    received: Number(rows[0]!.received),
  };
}

// ---- the run ---------------------------------------------------------------------------------

interface Figures {
  store: string;
  connections: number;
  serverProcesses: number;
  pool: string;
  paid: number;
  paidPerSecond: number;
  seconds: number;
  latency: Record<string, { p50: number; p99: number }>;
  failures: string;
  cpu: { server: number; pg: number; load: number };
  maxBacklog: number;
  drainSeconds: number;
  /** Sequencer batches (signed checkpoints) during the run. */
  batches: number;
  books: string;
  loadAvg: string;
  bulk?: {
    donations: number;
    loadSeconds: number;
    sequenceSeconds: number;
    vacuumSeconds: number;
    checkSeconds: number | null;
    books: string;
  };
  reads?: Record<string, { p50: number; p99: number; n: number }>;
  readLoadAvg?: string;
}

async function bench(store: Store): Promise<Figures> {
  const processes = store.name === 'PostgreSQL' ? PG_SERVER_PROCESSES : 1;
  // PostgreSQL: the server runs in its own processes; this process only sets up and checks.
  const external = store.name === 'PostgreSQL';
  const database = await store.open();
  const db = database.db;
  const dataDir = mkdtempSync(join(tmpdir(), 'goodtrace-bench-data-'));
  // The same for the in-process app and the server processes: same log key file, same
  // sandbox secret.
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    SEED_DEMO: 'false',
    DATA_DIR: dataDir,
    LOG_ORIGIN: 'bench.goodtrace.example/log',
    SANDBOX_PAYMENT_SECRET: randomBytes(24).toString('hex'),
    RATE_LIMIT_DONATIONS_PER_IP: '10000000',
    RATE_LIMIT_SIGNUP_PER_IP: '1000',
    ...(process.env.LEDGER_POLL_MS ? { LEDGER_POLL_MS: process.env.LEDGER_POLL_MS } : {}),
    ...(process.env.LEDGER_BATCH_SIZE ? { LEDGER_BATCH_SIZE: process.env.LEDGER_BATCH_SIZE } : {}),
  };
  const config = loadConfig({
    ...env,
    LOG_LEVEL: 'silent',
    LEDGER_SEQUENCER: external ? 'false' : 'true',
  });
  const app = await buildApp(config, { database });
  let server: ServerProcesses | undefined;
  try {
    let url: string;
    if (external) {
      say(`${store.name}: starting the server, SERVER_PROCESSES=${processes}…`);
      server = await startServerProcesses({
        processes,
        env: { ...env, LOG_LEVEL: 'warn', DATABASE_URL: store.url! },
      });
      url = server.url;
    } else {
      await app.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    }
    const serverCpu = server ? server.cpu : ownCpu;
    const { owner, orgId } = await charity(app, db);
    const featured = await publishProject(owner, orgId, 'Featured: textbooks for every pupil');

    // -- 1. paid donations per second
    say(`${store.name}: warm-up ${WARMUP} s…`);
    const warm = await runLoad({
      mode: 'donate',
      url,
      projectId: featured.id,
      connections: CONNECTIONS,
      seconds: WARMUP,
    });
    await drain(db);
    say(`${store.name}: ${SECONDS} s of donations, ${CONNECTIONS} connections, ${LOAD}…`);
    let maxBacklog = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxBacklog = Math.max(maxBacklog, await pendingEvents(db));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const batches0 = await checkpointCount(db);
    const cpu0 = cpuNow(serverCpu);
    const main = await runLoad({
      mode: 'donate',
      url,
      projectId: featured.id,
      connections: CONNECTIONS,
      seconds: SECONDS,
    });
    const cpu1 = cpuNow(serverCpu);
    const drainSeconds = await drain(db);
    const batches = (await checkpointCount(db)) - batches0;
    sampling = false;
    await sampler;
    const loadAvg = load1();
    say(
      `${store.name}: ${main.credited} credited in ${main.seconds} s = ${Math.round(main.credited / main.seconds)}/s; drained ${drainSeconds.toFixed(2)} s after; load ${loadAvg}`,
    );

    // -- correctness: the log kept up and agrees with the books
    const log = await logSizes(db);
    const { rows: paidRows } = await sql<{ n: string; fen: string }>`
      select count(*) as n, coalesce(sum(amount), 0) as fen from donations
      where project_id = ${featured.id} and status = 'paid'`.execute(db);
    const paid = { n: Number(paidRows[0]!.n), fen: Number(paidRows[0]!.fen) };
    const creditedTotal = warm.credited + main.credited;
    const creditedFen = warm.creditedFen + main.creditedFen;
    const page = await new Caller(app).call('GET', `/api/projects/${featured.id}`);
    const problems: string[] = [];
    if (log.size !== log.entries) problems.push(`tree size ${log.size} ≠ ${log.entries} entries`);
    if (log.received !== paid.n)
      problems.push(`${log.received} donation.received on the log, ${paid.n} paid donations`);
    // The load generator stops at the deadline without reading the answers in flight: those
    // donations may be paid without having been counted, one per connection at most per run.
    if (paid.n < creditedTotal || paid.n > creditedTotal + 2 * CONNECTIONS)
      problems.push(`${paid.n} paid donations in the database, ${creditedTotal} seen credited`);
    if (page.raised !== paid.fen || paid.fen < creditedFen)
      problems.push(
        `raised ${page.raised}, paid donations sum to ${paid.fen}, load generator saw ${creditedFen}`,
      );
    const checked = await checkBooks(db);
    const bookProblems = [
      ...checked.violations.map((v) => `${v.code}: ${v.message}`),
      ...checked.invariants,
      ...checked.differences,
    ];
    problems.push(...bookProblems.slice(0, 10));
    if (problems.length)
      throw new Error(`${store.name}: books do not agree:\n${problems.join('\n')}`);
    const books = `checkBooks clean; log ${log.size.toLocaleString('en-US')} entries = tree size, ${log.received.toLocaleString('en-US')} donation.received = paid donations (${creditedTotal.toLocaleString('en-US')} seen credited, ${paid.n - creditedTotal} answers in flight at the deadline); raised ${page.raised} fen = Σ paid`;
    say(`${store.name}: ${books}`);

    const failures = Object.entries(main.outcomes)
      .filter(([o]) => o !== 'credited')
      .map(([o, n]) => `${o} ×${n}`)
      .concat(
        Object.entries(main.status.create!)
          .filter(([c]) => c !== '201')
          .map(([c, n]) => `create ${c} ×${n}`),
      )
      .concat(main.errors ? [`errors ×${main.errors} (timeouts ${main.timeouts})`] : [])
      .join(', ');
    const lat = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) });
    const figures: Figures = {
      store: store.name,
      connections: CONNECTIONS,
      serverProcesses: processes,
      // The server processes open the default pool of 10 each; BENCH_POOL sizes this process's.
      pool: external ? `10 × ${processes}` : '1',
      paid: main.credited,
      seconds: main.seconds,
      paidPerSecond: main.credited / main.seconds,
      latency: { create: lat(main.latency.create!), pay: lat(main.latency.pay!) },
      failures: failures || 'none',
      cpu: {
        server: ((cpu1.node - cpu0.node) * 1e6) / main.credited,
        pg: ((cpu1.pg - cpu0.pg) * 1e6) / main.credited,
        load: (main.cpu * 1e6) / main.credited,
      },
      maxBacklog,
      drainSeconds,
      batches,
      books,
      loadAvg,
    };
    if (BULK <= 0) return figures;

    // -- 2. reads at size: traced donations with spending, then the bulk load
    say(
      `${store.name}: ${TRACED} traced donations and ${DISBURSEMENTS} disbursements via the API…`,
    );
    const traced = await publishProject(owner, orgId, 'Traced: a new roof for the school');
    const guest = new Caller(app);
    const tracedDonations: { id: string; token: string; amount: number }[] = [];
    for (let i = 0; i < TRACED; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, TRACED - i) }, async (_, k) => {
          const amount = 100 * (1 + (((i + k) * 37) % 500));
          const started = await guest.call(
            'POST',
            `/api/projects/${traced.id}/donations`,
            { amount, currency: 'CNY', email: 'traced@example.org' },
            { 'idempotency-key': `traced-${i + k}-${randomBytes(6).toString('hex')}` },
          );
          const paidRes = await guest.call(
            'POST',
            `/api/payments/sandbox/${started.donation.id}/pay`,
            {
              token: started.accessToken,
              outcome: 'succeeded',
            },
          );
          if (paidRes.outcome !== 'credited') throw new Error(`traced donation ${paidRes.outcome}`);
          tracedDonations.push({ id: started.donation.id, token: started.accessToken, amount });
        }),
      );
    }
    const tracedTotal = tracedDonations.reduce((s, d) => s + d.amount, 0);
    const payee = await owner.call('POST', `/api/orgs/${orgId}/beneficiaries`, {
      name: 'Hillside Primary School',
      kind: 'school',
      region: 'Yunnan',
    });
    const invoice = await owner.call('POST', `/api/orgs/${orgId}/files`, samplePdf, {
      'content-type': 'application/pdf',
    });
    // 80% of the traced money is spent in DISBURSEMENTS equal parts; 3 in 4 are confirmed.
    const part = Math.floor((tracedTotal * 0.8) / DISBURSEMENTS);
    for (let k = 0; k < DISBURSEMENTS; k++) {
      const d = await owner.call('POST', `/api/orgs/${orgId}/projects/${traced.id}/disbursements`, {
        amount: part,
        currency: 'CNY',
        budgetLineId: traced.budget[k % 2]!.id,
        beneficiaryId: payee.id,
        purpose: `Roof materials, delivery ${k + 1}`,
        date: '2026-11-25',
        evidence: [{ sha256: invoice.sha256, kind: 'invoice' }],
      });
      if (k % 4 !== 3)
        await new Caller(app).call('POST', `/api/acknowledgements/${d.ackCode}`, {
          note: 'Received, thank you.',
        });
    }
    await drain(db);

    say(`${store.name}: bulk-loading ${BULK.toLocaleString('en-US')} paid donations…`);
    const run = randomBytes(4).toString('hex');
    let t = performance.now();
    await bulkLoad(db, { id: featured.id, orgId }, run);
    const loadSeconds = (performance.now() - t) / 1000;
    say(`${store.name}: loaded in ${loadSeconds.toFixed(0)} s; waiting for the sequencer…`);
    t = performance.now();
    await drain(db, 1_800_000);
    const sequenceSeconds = (performance.now() - t) / 1000;
    say(`${store.name}: sequenced in ${sequenceSeconds.toFixed(0)} s; vacuum analyze…`);
    t = performance.now();
    await sql`vacuum analyze`.execute(db);
    const vacuumSeconds = (performance.now() - t) / 1000;
    let checkSeconds: number | null = null;
    let bulkBooks = 'not checked (BENCH_CHECK_AT_SIZE=0)';
    if (CHECK_AT_SIZE) {
      t = performance.now();
      const c = await checkBooks(db);
      checkSeconds = (performance.now() - t) / 1000;
      const bad = [
        ...c.violations.map((v) => `${v.code}: ${v.message}`),
        ...c.invariants,
        ...c.differences,
      ];
      if (bad.length)
        throw new Error(`${store.name}: books at size:\n${bad.slice(0, 10).join('\n')}`);
      const l = await logSizes(db);
      bulkBooks = `checkBooks clean over ${l.size.toLocaleString('en-US')} log entries`;
      say(`${store.name}: ${bulkBooks} (${checkSeconds.toFixed(0)} s)`);
    }
    const { rows: total } = await sql<{ n: string }>`select count(*) as n from donations`.execute(
      db,
    );
    const donationsInDb = Number(total[0]!.n);

    // -- read latencies, one request at a time over real HTTP
    const bulkSample = Array.from({ length: TRACED }, (_, i) =>
      Math.floor(((i + 0.5) * BULK) / TRACED),
    );
    const jobs: [string, string[]][] = [
      [
        'trace, traced donation (allocations)',
        tracedDonations.map((d) => `/api/donations/${d.id}/trace?token=${d.token}`),
      ],
      [
        'trace, bulk-loaded donation (unspent)',
        bulkSample.map(
          (n) => `/api/donations/${bulkId(run, n)}/trace?token=${accessToken(bulkSecret(run, n))}`,
        ),
      ],
      ['project page (featured)', Array(PAGE_READS).fill(`/api/projects/${featured.id}`)],
      [
        'project donations, page 1 (featured)',
        Array(PAGE_READS).fill(`/api/projects/${featured.id}/donations`),
      ],
      ['project page (traced)', Array(PAGE_READS).fill(`/api/projects/${traced.id}`)],
    ];
    const reads: NonNullable<Figures['reads']> = {};
    // Warm-up: the first hundred of each, not counted.
    for (const [, paths] of jobs)
      await runLoad({ mode: 'get', url, paths: paths.slice(0, 100), connections: 1 });
    for (const [label, paths] of jobs) {
      const r = await runLoad({ mode: 'get', url, paths, connections: 1 });
      const bad = Object.entries(r.status.get!).filter(([c]) => c !== '200');
      if (bad.length || r.errors) throw new Error(`${label}: ${JSON.stringify(r.status.get)}`);
      reads[label] = { ...lat(r.latency.get!), n: r.latency.get!.length };
      say(`${store.name}: ${label} p50 ${reads[label]!.p50} ms, p99 ${reads[label]!.p99} ms`);
    }
    figures.bulk = {
      donations: donationsInDb,
      loadSeconds,
      sequenceSeconds,
      vacuumSeconds,
      checkSeconds,
      books: bulkBooks,
    };
    figures.reads = reads;
    figures.readLoadAvg = load1();
    return figures;
  } finally {
    const code = await server?.stop();
    if (code) console.error(`the server exited with ${code} on SIGTERM`);
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- main ------------------------------------------------------------------------------------

const started = performance.now();
const results: Figures[] = [];
const notes: string[] = [];
let pgVersion: string | undefined;
for (const kind of ONLY) {
  const store = kind === 'pglite' ? pgliteStore() : await postgresStore();
  if (typeof store === 'string') {
    notes.push(store);
    console.error(store);
    continue;
  }
  if (store.name === 'PostgreSQL') pgVersion = store.version;
  say(`${store.name}: load average ${load1()}`);
  try {
    results.push(await bench(store));
  } finally {
    await store.cleanup();
  }
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`;
console.log(`Goodtrace donations over HTTP, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, PostgreSQL ${pgVersion ?? '(not run)'}`,
);
console.log(
  `load generator: ${LOAD === 'wrk' ? `wrk (${WRK}) with bench/donations.lua, ${Math.min(WRK_THREADS, CONNECTIONS)} threads` : 'autocannon in a child process'}, ${CONNECTIONS} keep-alive connections, ${SECONDS} s after a ${WARMUP} s warm-up${LOAD === 'wrk' ? '; reads at size with autocannon' : ''}`,
);
for (const r of results)
  console.log(
    `${r.store} server: ${r.store === 'PostgreSQL' ? `src/main.ts in a child process, SERVER_PROCESSES=${r.serverProcesses}${r.serverProcesses > 1 ? ` (a cluster primary and ${r.serverProcesses} workers)` : ''}` : 'in the bench process (buildApp + listen)'}`,
  );
for (const n of notes) console.log(n);
console.log('');
const row = (label: string, cells: string[], target = '') =>
  console.log(
    `${label.padEnd(48)}${cells.map((c) => c.padStart(18)).join('')}  ${target}`.trimEnd(),
  );
row(
  '',
  results.map((r) => r.store),
  'target (PostgreSQL)',
);
const table: [string, (r: Figures) => string, string?][] = [
  ['paid donations/s (credited)', (r) => n0(r.paidPerSecond), '≥ 2,000/s'],
  ['  credited in the run', (r) => n0(r.paid)],
  ['  create p50 / p99', (r) => `${ms(r.latency.create!.p50)} / ${ms(r.latency.create!.p99)}`],
  ['  pay p50 / p99', (r) => `${ms(r.latency.pay!.p50)} / ${ms(r.latency.pay!.p99)}`],
  ['  not credited', (r) => r.failures],
  ['  max outbox backlog seen', (r) => n0(r.maxBacklog)],
  [
    '  sequencer batches (events per batch)',
    (r) => `${n0(r.batches)} (${(r.paid / r.batches).toFixed(1)})`,
  ],
  ['  outbox drained after the load in', (r) => `${r.drainSeconds.toFixed(2)} s`],
  [
    '  CPU per paid donation: server / PG / load',
    (r) => `${n0(r.cpu.server)}/${n0(r.cpu.pg)}/${n0(r.cpu.load)} µs`,
  ],
  ['  server processes / pool', (r) => `${r.serverProcesses} / ${r.pool}`],
  ['  load average (1 min)', (r) => r.loadAvg],
  ['donations in the database', (r) => (r.bulk ? n0(r.bulk.donations) : '-')],
  [
    '  bulk load / sequencing / vacuum',
    (r) =>
      r.bulk
        ? `${r.bulk.loadSeconds.toFixed(0)}/${r.bulk.sequenceSeconds.toFixed(0)}/${r.bulk.vacuumSeconds.toFixed(0)} s`
        : '-',
  ],
  [
    '  checkBooks at size',
    (r) => (r.bulk?.checkSeconds ? `${r.bulk.checkSeconds.toFixed(0)} s` : '-'),
  ],
];
for (const [label, cell, target] of table) row(label, results.map(cell), target);
const readLabels = [...new Set(results.flatMap((r) => Object.keys(r.reads ?? {})))];
for (const label of readLabels)
  row(
    `${label} p50 / p99`,
    results.map((r) =>
      r.reads?.[label] ? `${ms(r.reads[label].p50)} / ${ms(r.reads[label].p99)}` : '-',
    ),
    label.startsWith('trace') ? 'p99 ≤ 20 ms' : '',
  );
row(
  'load average after the reads',
  results.map((r) => r.readLoadAvg ?? '-'),
);
for (const r of results) {
  console.log(`${r.store}: ${r.books}`);
  if (r.bulk) console.log(`${r.store} at size: ${r.bulk.books}`);
}
console.log(`took ${((performance.now() - started) / 1000).toFixed(0)} s`);
