// Benchmark of `goodtrace audit` over a log of BENCH_AUDIT_EVENTS (1,000,000) realistic money
// events, served by the real server in a child process (src/main.ts, as `npm start` runs it).
// Figures: docs/PERFORMANCE.md, section "Auditing the log".
//
//   npm run bench:audit -w apps/server
//   BENCH_AUDIT_DIR=/var/tmp/gt-audit npm run bench:audit …    keep the built log: a later run
//                                                             with the same folder skips building
//   BENCH_AUDIT_DATABASE_URL=postgres://… (with BENCH_AUDIT_DIR) PostgreSQL instead of PGlite
//   BENCH_AUDIT_EVENTS=200000                                  a shorter log
//
// Building (skipped when BENCH_AUDIT_DIR holds a finished build): an in-process app (buildApp,
// its sequencer running) on PGlite under the folder (or the PostgreSQL database given).
// BENCH_AUDIT_ORGS (20) charities, each verified by an admin, with a payee and three PDF invoices
// uploaded, and BENCH_AUDIT_PROJECTS_PER_ORG (10) projects with two budget lines, all created
// and published through the API (app.inject). Then the money: rounds over the projects of a
// donation.received each (amounts ¥10–¥500), and, every 40 donations of a project, a
// funds.disbursed of most of its unspent money with its FIFO allocations (the server's own
// allocateFifo over the project's queue, the events built by the server's fundsDisbursedEvents,
// so long allocation lists continue in funds.allocated parts) citing an invoice, followed by
// its funds.acknowledged (one in twenty is left unconfirmed). Events go through appendEvents in
// transactions of 2,000 and are sequenced by the running sequencer (the real write path, as
// ledger.bench.ts measures it). The rows the public API reads for them are written beside them
// in the same transactions: the disbursements with their evidence and acknowledgement, and, at
// the end, each project's fund totals and disbursed amount. Per-donation rows are not (the
// audit reads no per-donation API): this is the fastest honest way to a million events.
//
// Auditing: the server is started on the folder, the audit runs in this process (main(['audit',
// url, …]) from packages/cli) with a fresh state folder, and the bench prints the events, the
// seconds, events/s, and where the time went (waiting for bundles and tiles, rebuilding the
// tree, replaying, comparing with the API, downloading evidence). Then a second, incremental
// run on the same state (nothing new: only the last partial bundle is fetched).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocateFifo } from '@goodtrace/books';
import { type Io, main } from '@goodtrace/cli';
import { type LedgerEvent, setCryptoProvider } from '@goodtrace/ledger';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { type Insertable, sql } from 'kysely';
import { type App, buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DB } from '../src/db/schema.js';
import { appendEvents } from '../src/ledger/append-event.js';
import {
  donationReceivedEvent,
  fundsAcknowledgedEvent,
  fundsDisbursedEvents,
} from '../src/ledger/events.js';
import { currentSize, pendingEvents } from '../src/ledger/read.js';
import { startServerProcesses } from './server-processes.js';

setCryptoProvider(nodeCryptoProvider());

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const ORGS = Number(process.env.BENCH_AUDIT_ORGS ?? 20);
const PER_ORG = Number(process.env.BENCH_AUDIT_PROJECTS_PER_ORG ?? 10);
const TX = 2000;
const DONATIONS_PER_DISBURSEMENT = 40;
const ORIGIN = 'bench.goodtrace.example/log';
const kept = process.env.BENCH_AUDIT_DIR;
const pgUrl = process.env.BENCH_AUDIT_DATABASE_URL;
const dir = kept ?? mkdtempSync(join(tmpdir(), 'goodtrace-audit-bench-'));
const say = (line: string) => process.stderr.write(`${line}\n`);

const env: Record<string, string> = {
  NODE_ENV: 'test',
  SEED_DEMO: 'false',
  DATA_DIR: join(dir, 'data'),
  LOG_ORIGIN: ORIGIN,
  SANDBOX_PAYMENT_SECRET: 'bench-audit-sandbox-secret-0123456789abcdef',
  RATE_LIMIT_SIGNUP_PER_IP: '100000',
  RATE_LIMIT_SIGNIN_PER_IP: '100000',
  ...(pgUrl ? { DATABASE_URL: pgUrl } : {}),
};

/** A minimal browser-like client over app.inject: the session cookie and the CSRF token. */
class Client {
  private cookie = '';
  private csrf = '';
  userId = '';
  constructor(private readonly app: App) {}
  async call(method: 'GET' | 'POST', url: string, payload?: unknown, type?: string) {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.cookie ? { cookie: `gt_session=${this.cookie}` } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(type ? { 'content-type': type } : {}),
      },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    const set = res.cookies.find((c) => c.name === 'gt_session');
    if (set) this.cookie = set.value;
    const json = res.body ? res.json() : null;
    if (json?.csrfToken) {
      this.csrf = json.csrfToken;
      this.userId = json.user?.id ?? this.userId;
    }
    return json;
  }
}

interface BenchProject {
  id: string;
  orgId: string;
  ownerId: string;
  lines: { id: string; label: string }[];
  payee: { id: string; kind: string; region: string; name: string };
  invoices: string[];
  queue: { donationId: string; remaining: number; paidSeq: number }[];
  raised: number;
  unspent: number;
  donations: number;
  disbursed: number;
  sinceDisbursement: number;
}

async function build(): Promise<void> {
  mkdirSync(env.DATA_DIR!, { recursive: true });
  const app = await buildApp(loadConfig({ ...env, LOG_LEVEL: 'silent', LEDGER_POLL_MS: '5' }));
  const db = app.db;
  try {
    const started = Date.now();
    const admin = new Client(app);
    await admin.call('POST', '/api/auth/sign-up', {
      email: 'admin@bench.example',
      password: 'correct horse battery',
      displayName: 'Admin',
    });
    await db
      .updateTable('users')
      .set({ platform_role: 'admin' })
      .where('email', '=', 'admin@bench.example')
      .execute();
    const projects: BenchProject[] = [];
    for (let o = 0; o < ORGS; o++) {
      const owner = new Client(app);
      await owner.call('POST', '/api/auth/sign-up', {
        email: `owner${o}@bench.example`,
        password: 'correct horse battery',
        displayName: `Owner ${o}`,
      });
      const org = await owner.call('POST', '/api/orgs', {
        name: `Bench Charity ${o}`,
        registrationNumber: `BENCH-${o}-${randomBytes(3).toString('hex')}`.toUpperCase(),
        city: 'Chengdu',
        cause: 'education',
        contactEmail: `contact${o}@bench.example`,
        description: 'Books and teachers for village schools.',
      });
      await admin.call('POST', `/api/admin/orgs/${org.id}/verify`);
      const payee = await owner.call('POST', `/api/orgs/${org.id}/beneficiaries`, {
        name: `Hillside School ${o}`,
        kind: 'school',
        region: 'Yunnan',
      });
      const invoices: string[] = [];
      for (let f = 0; f < 3; f++) {
        const pdf = Buffer.from(
          `%PDF-1.4\n% invoice ${o}-${f}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
        );
        invoices.push(
          (await owner.call('POST', `/api/orgs/${org.id}/files`, pdf, 'application/pdf')).sha256,
        );
      }
      for (let p = 0; p < PER_ORG; p++) {
        const draft = await owner.call('POST', `/api/orgs/${org.id}/projects`, {
          title: `Textbooks for school ${o}-${p}`,
          summary: 'New textbooks for the pupils of a village school.',
          story: 'The school has used the same books for ten years. We will buy a full set.',
          cause: 'education',
          city: 'Kunming',
          region: 'Yunnan',
          beneficiaryDescription: 'A village primary school',
          goal: { amount: 50_000_000, currency: 'CNY' },
          budget: [
            { label: 'Books', amount: 40_000_000 },
            { label: 'Transport', amount: 10_000_000 },
          ],
          startDate: '2026-01-01',
          endDate: '2027-12-31',
        });
        const published = await owner.call(
          'POST',
          `/api/orgs/${org.id}/projects/${draft.id}/publish`,
        );
        projects.push({
          id: published.id,
          orgId: org.id,
          ownerId: owner.userId,
          lines: published.budget.map((l: { id: string; label: string }) => ({
            id: l.id,
            label: l.label,
          })),
          payee: { id: payee.id, kind: 'school', region: 'Yunnan', name: `Hillside School ${o}` },
          invoices,
          queue: [],
          raised: 0,
          unspent: 0,
          donations: 0,
          disbursed: 0,
          sinceDisbursement: 0,
        });
      }
    }
    say(`audit bench: ${projects.length} projects published in ${(Date.now() - started) / 1000}s`);

    const startSize = await queued(app);
    const target = EVENTS;
    const span = 300 * 86_400_000;
    const t0 = Date.now() - span - 10 * 86_400_000;
    const commitments = Array.from({ length: 1024 }, () => randomBytes(32).toString('hex'));
    const runId = randomBytes(4).toString('hex');
    let made = startSize;
    let donationNo = 0;
    let paidSeq = 0;
    let disbursementNo = 0;
    let step = 0;
    let lastSay = Date.now();
    while (made < target) {
      const events: LedgerEvent[] = [];
      const rows: {
        disbursement: Omit<Insertable<DB['disbursements']>, 'outbox_id' | 'ack_outbox_id'>;
        evidence: string;
        firstEvent: number;
        ackEvent: number | null;
      }[] = [];
      while (events.length < TX && made + events.length < target) {
        const p = projects[step++ % projects.length]!;
        const at = new Date(t0 + Math.floor(((made + events.length) / target) * span));
        const amount = 1000 + ((donationNo * 7919) % 49_000);
        const donationId = `${runId}-d0a7-4e11-8b2c-${(donationNo++).toString(16).padStart(12, '0')}`;
        paidSeq++;
        events.push(
          donationReceivedEvent(
            {
              id: donationId,
              projectId: p.id,
              orgId: p.orgId,
              amount,
              currency: 'CNY',
              paidSeq,
              donor: commitments[donationNo % commitments.length]!,
            },
            at,
          ),
        );
        p.queue.push({ donationId, remaining: amount, paidSeq });
        p.raised += amount;
        p.unspent += amount;
        p.donations++;
        if (++p.sinceDisbursement < DONATIONS_PER_DISBURSEMENT) continue;
        p.sinceDisbursement = 0;
        const spend = Math.floor(p.unspent * 0.8);
        const allocations = allocateFifo(p.queue, spend)!;
        let drop = 0;
        for (const a of allocations) {
          const item = p.queue[drop]!;
          item.remaining -= a.amount;
          if (item.remaining === 0) drop++;
        }
        p.queue.splice(0, drop);
        p.unspent -= spend;
        p.disbursed += spend;
        const id = randomUUID();
        const line = p.lines[disbursementNo % 2]!;
        const invoice = p.invoices[disbursementNo % 3]!;
        const logged = fundsDisbursedEvents(
          {
            id,
            projectId: p.id,
            orgId: p.orgId,
            amount: spend,
            currency: 'CNY',
            budgetLine: line,
            payee: p.payee,
            purpose: 'Textbooks and transport',
            date: at.toISOString().slice(0, 10),
            evidence: [{ sha256: invoice, kind: 'invoice', mediaType: 'application/pdf' }],
            allocations,
          },
          at,
        );
        const firstEvent = events.length;
        events.push(...logged);
        const acknowledged = disbursementNo++ % 20 !== 0;
        const ackAt = new Date(at.getTime() + 2 * 86_400_000);
        let ackEvent: number | null = null;
        if (acknowledged) {
          ackEvent = events.length;
          events.push(
            fundsAcknowledgedEvent(
              { disbursementId: id, projectId: p.id, orgId: p.orgId, photo: null },
              ackAt,
            ),
          );
        }
        rows.push({
          disbursement: {
            id,
            project_id: p.id,
            org_id: p.orgId,
            budget_line_id: line.id,
            beneficiary_id: p.payee.id,
            amount: String(spend),
            currency: 'CNY',
            purpose: 'Textbooks and transport',
            paid_on: at.toISOString().slice(0, 10),
            created_by: p.ownerId,
            created_at: at,
            ack_code_hash: `bench-${id}`,
            acknowledged_at: acknowledged ? ackAt : null,
            ack_note: null,
            ack_photo_sha256: null,
          },
          evidence: invoice,
          firstEvent,
          ackEvent,
        });
      }
      await db.transaction().execute(async (tx) => {
        const ids = await appendEvents(tx, events);
        if (rows.length === 0) return;
        await tx
          .insertInto('disbursements')
          .values(
            rows.map((r) => ({
              ...r.disbursement,
              outbox_id: ids[r.firstEvent]!,
              ack_outbox_id: r.ackEvent === null ? null : ids[r.ackEvent]!,
            })),
          )
          .execute();
        await tx
          .insertInto('disbursement_evidence')
          .values(
            rows.map((r) => ({
              disbursement_id: r.disbursement.id!,
              sha256: r.evidence,
              kind: 'invoice' as const,
              position: 0,
            })),
          )
          .execute();
      });
      made += events.length;
      if (Date.now() - lastSay > 5000) {
        lastSay = Date.now();
        say(
          `audit bench: ${made.toLocaleString('en-US')} of ${target.toLocaleString('en-US')} events queued`,
        );
      }
    }
    for (const p of projects) {
      await db
        .updateTable('project_funds')
        .set({ raised: String(p.raised), balance: String(p.unspent), donations: p.donations })
        .where('project_id', '=', p.id)
        .where('shard', '=', 0)
        .execute();
      await db
        .updateTable('projects')
        .set({ disbursed: String(p.disbursed) })
        .where('id', '=', p.id)
        .execute();
    }
    say('audit bench: waiting for the sequencer to put every event on the log…');
    while ((await pendingEvents(db)) > 0 || (await currentSize(db)) < target) {
      await new Promise((r) => setTimeout(r, 200));
    }
    say(
      `audit bench: built ${target.toLocaleString('en-US')} events in ${((Date.now() - started) / 1000).toFixed(0)}s`,
    );
  } finally {
    await app.close();
  }
  writeFileSync(join(dir, 'built.json'), `${JSON.stringify({ events: EVENTS, origin: ORIGIN })}\n`);
}

/** Events on the log or queued for it: the outbox rows, kept for good once logged. */
async function queued(app: App): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ledger_outbox`.execute(
    app.db,
  );
  return Number(rows[0]!.n);
}

interface AuditReport {
  clean: boolean;
  checkpoint: { size: number };
  findings: unknown[];
  anomalies: { code: string }[];
  requests: number;
  bytes: number;
  seconds: Record<string, number>;
  tree: { bundlesFetched: number; bundlesCached: number; tilesFetched: number };
}

async function audit(url: string, state: string, label: string): Promise<AuditReport> {
  const json = join(dir, `report-${label}.json`);
  const io: Io = {
    out: () => {},
    err: (l) => say(l),
    cwd: dir,
    fetch: globalThis.fetch,
  };
  const code = await main(['audit', url, '--state', state, '--json', json], io);
  const report = JSON.parse(readFileSync(json, 'utf8')) as AuditReport;
  if (code !== 0)
    say(
      `audit bench: the ${label} audit exited ${code}: ${JSON.stringify(report.findings.slice(0, 5))}`,
    );
  return report;
}

async function run() {
  const built = existsSync(join(dir, 'built.json'))
    ? (JSON.parse(readFileSync(join(dir, 'built.json'), 'utf8')) as { events: number })
    : null;
  if (built && built.events === EVENTS) say(`audit bench: reusing the log built in ${dir}`);
  else {
    if (built) throw new Error(`${dir} holds a log of ${built.events} events, not ${EVENTS}`);
    await build();
  }
  const server = await startServerProcesses({ processes: 1, env: { ...env, LOG_LEVEL: 'warn' } });
  const state = mkdtempSync(join(tmpdir(), 'goodtrace-audit-state-'));
  try {
    const load = loadavg()[0]!.toFixed(1);
    const first = await audit(server.url, state, 'full');
    const second = await audit(server.url, state, 'incremental');
    const s = first.seconds;
    const f = (x: number) => `${x.toFixed(1)} s`;
    const events = first.checkpoint.size;
    const lines = [
      `goodtrace audit of ${events.toLocaleString('en-US')} events (${pgUrl ? 'PostgreSQL' : 'PGlite'}, server in a child process; ${cpus().length} cores, load ${load} at the start${Number(load) > 1 ? ': the machine was shared' : ''})`,
      `  full run         ${f(s.total!)}  = ${Math.round(events / s.total!).toLocaleString('en-US')} events/s, ${first.clean ? 'clean' : `NOT clean (${first.findings.length} findings)`}, ${first.anomalies.length} anomalies`,
      `    waiting for bundles and tiles ${f(s.fetch!)}, tree ${f(s.verify!)}, replay ${f(s.replay!)}, API ${f(s.api!)}, evidence ${f(s.evidence!)}`,
      `    ${first.tree.bundlesFetched} bundles + ${first.tree.tilesFetched} tiles, ${first.requests} requests, ${(first.bytes / 1e6).toFixed(0)} MB`,
      `  incremental run  ${f(second.seconds.total!)} (${second.tree.bundlesFetched} bundle(s) fetched, ${second.tree.bundlesCached} from the state folder), ${second.clean ? 'clean' : 'NOT clean'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

await run();
