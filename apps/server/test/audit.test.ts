import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Io, main } from '@goodtrace/cli';
import { generateSignerKey } from '@goodtrace/ledger';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSize, readEntries } from '../src/ledger/read.js';
import { Client, startTestApp, type TestApp } from './support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  paidDonationsBulk,
  publishedProject,
  samplePdf,
  samplePng,
  upload,
} from './support/money.js';

// `goodtrace audit` (packages/cli) run in-process against a live server on a real port, then
// against the same server after its database was changed behind its back.

let t: TestApp;
let base: string;
const scratch = mkdtempSync(join(tmpdir(), 'goodtrace-audit-test-'));
let runs = 0;

interface AuditRun {
  code: number;
  out: string;
  err: string;
  report: {
    clean: boolean;
    findings: {
      kind: string;
      code: string;
      index?: number;
      projectId?: string;
      field?: string;
      api?: unknown;
      log?: unknown;
    }[];
    anomalies: { code: string; index: number; disbursementId?: string }[];
    tree: { verified: boolean; entries: number; bundlesFetched: number; bundlesCached: number };
    checkpoint: { size: number } | null;
  };
  /** Paths requested, in order. */
  requests: string[];
}

/** Runs `goodtrace audit <base> --state <state> --json …` and collects what it said and fetched. */
async function audit(state: string, extra: string[] = [], url = base): Promise<AuditRun> {
  const out: string[] = [];
  const err: string[] = [];
  const requests: string[] = [];
  const json = join(scratch, `report-${++runs}.json`);
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: scratch,
    fetch: (input, init) => {
      requests.push(new URL(String(input)).pathname);
      return fetch(input, init);
    },
  };
  const code = await main(['audit', url, '--state', state, '--json', json, ...extra], io);
  return {
    code,
    out: out.join('\n'),
    err: err.join('\n'),
    report: JSON.parse(readFileSync(json, 'utf8')),
    requests,
  };
}

const freshState = () => mkdtempSync(join(scratch, 'state-'));
const bundleRequests = (r: AuditRun) =>
  r.requests.filter((p) => p.startsWith('/log/tile/entries/'));

let projectA: Awaited<ReturnType<typeof publishedProject>>;
let projectB: Awaited<ReturnType<typeof publishedProject>>;
let invoice: string;

beforeAll(async () => {
  t = await startTestApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  projectA = await publishedProject(t);
  projectB = await publishedProject(t);
  await paidDonation(t, projectA.project.id, 3000);
  await paidDonation(t, projectA.project.id, 2000);
  await paidDonation(t, projectB.project.id, 7000);
  invoice = await upload(projectA.owner, projectA.orgId, samplePdf, 'application/pdf');
  const payee = await beneficiary(projectA.owner, projectA.orgId);
  const paid = await disburse(
    projectA.owner,
    {
      orgId: projectA.orgId,
      projectId: projectA.project.id,
      budgetLineId: projectA.project.budget[0]!.id,
    },
    { amount: 4000, beneficiaryId: payee, evidence: [invoice] },
  );
  expect(paid.statusCode, paid.body).toBe(201);
  const ack = new Client(t.app);
  const photo = await ack.request(
    'POST',
    `/api/acknowledgements/${paid.json().ackCode}/photo`,
    samplePng,
    {
      'content-type': 'image/png',
    },
  );
  expect(photo.statusCode, photo.body).toBe(201);
  const confirmed = await ack.post(`/api/acknowledgements/${paid.json().ackCode}`, {
    note: 'Books arrived',
    photoSha256: photo.json().sha256,
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  await drainLog(t);
});

afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('goodtrace audit against a live server', () => {
  it('audits a clean instance clean: tree, books, API and evidence agree', async () => {
    const r = await audit(freshState());
    expect(r.report.findings).toEqual([]);
    expect(r.code, r.out).toBe(0);
    expect(r.report.clean).toBe(true);
    expect(r.report.tree.verified).toBe(true);
    expect(r.report.tree.entries).toBe(r.report.checkpoint!.size);
    expect(r.out).toMatch(/✓ tree: .* root matches the checkpoint/);
    expect(r.out).toContain('✓ evidence: 2 file(s) downloaded; each matches its hash on the log');
    expect(r.out.split('\n').at(-1)).toMatch(/^CLEAN: the log and every balance check out/);
    // Fetched as C2SP tlog-tiles says: the checkpoint, the partial bundle and its hash tile.
    expect(r.requests).toContain('/log/checkpoint');
    expect(r.requests).toContain(`/log/tile/entries/000.p/${r.report.checkpoint!.size}`);
    expect(r.requests).toContain(`/log/tile/0/000.p/${r.report.checkpoint!.size}`);
  });

  it('a second run fetches only the new bundles, proves it extends the first, and a third fetches only the partial one', async () => {
    const state = freshState();
    const first = await audit(state);
    expect(first.code).toBe(0);
    const before = first.report.checkpoint!.size;
    await paidDonationsBulk(t, projectB.project.id, 300, 100);
    await drainLog(t);

    const second = await audit(state);
    expect(second.report.findings).toEqual([]);
    expect(second.code, second.out).toBe(0);
    const size = second.report.checkpoint!.size;
    expect(size).toBeGreaterThan(256);
    expect(second.out).toContain(`✓ consistency: extends the checkpoint of ${before} entries`);
    // Bundle 0 (partial last time, full now) and the new partial bundle 1: nothing else.
    expect(bundleRequests(second).sort()).toEqual([
      '/log/tile/entries/000',
      `/log/tile/entries/001.p/${size - 256}`,
    ]);

    const third = await audit(state);
    expect(third.code, third.out).toBe(0);
    expect(bundleRequests(third)).toEqual([`/log/tile/entries/001.p/${size - 256}`]);
    expect(third.report.tree).toMatchObject({ bundlesCached: 1, bundlesFetched: 1, entries: size });
  });

  it('refuses a log key other than the one pinned on the first run (exit 3)', async () => {
    const state = freshState();
    const first = await audit(state);
    expect(first.code).toBe(0);
    expect(first.err).toContain('WARNING: no --log-key: trusting the log key');
    const other = generateSignerKey('test.goodtrace.example/log').verifierKey;
    const r = await audit(state, ['--log-key', other]);
    expect(r.code).toBe(3);
    expect(r.report.findings.map((f) => f.code)).toEqual(['key_changed']);
    expect(r.out.split('\n').at(-1)).toMatch(/^KEY CHANGED: /);
  });

  it('names the project, the figure and both values when a stored total is changed behind the server', async () => {
    const db = t.database.db;
    const shard = await db
      .selectFrom('project_funds')
      .select(['shard', 'raised'])
      .where('project_id', '=', projectA.project.id)
      .where('raised', '>', '0')
      .executeTakeFirstOrThrow();
    const api = (
      (await (await fetch(`${base}/api/projects/${projectA.project.id}`)).json()) as {
        flow: { raised: number };
      }
    ).flow.raised;
    await db
      .updateTable('project_funds')
      .set({ raised: String(Number(shard.raised) + 100) })
      .where('project_id', '=', projectA.project.id)
      .where('shard', '=', shard.shard)
      .execute();
    try {
      const r = await audit(freshState());
      expect(r.code).toBe(1);
      expect(r.report.tree.verified).toBe(true);
      expect(r.report.findings).toEqual([
        expect.objectContaining({
          kind: 'api',
          code: 'api_difference',
          projectId: projectA.project.id,
          field: 'raised',
          api: api + 100,
          log: api,
        }),
      ]);
      expect(r.out).toContain(
        `project ${projectA.project.id}: raised is ${api + 100} on the API, ${api} on the log`,
      );
    } finally {
      await db
        .updateTable('project_funds')
        .set({ raised: shard.raised })
        .where('project_id', '=', projectA.project.id)
        .where('shard', '=', shard.shard)
        .execute();
    }
  });

  it('names exactly the index of a ledger entry deleted from the database', async () => {
    const db = t.database.db;
    const victim = (await readEntries(db, 0, await currentSize(db))).filter(
      (e) => e.event_type === 'donation.received',
    )[1];
    if (!victim) throw new Error('the log has fewer than two donation.received entries');
    // The outbox row is the entry: delete it, keeping its columns (queued_at as text, to put
    // back the exact microseconds) to restore it under the same id.
    const { rows: deleted } = await sql<{
      id: string;
      event_type: string;
      leaf: Uint8Array;
      queued_at: string;
    }>`delete from ledger_outbox where id = ${victim.outbox_id}::bigint
      returning id::text, event_type, leaf, queued_at::text`.execute(db);
    expect(deleted).toHaveLength(1);
    const row = deleted[0]!;
    try {
      const r = await audit(freshState());
      expect(r.code).toBe(1);
      const log = r.report.findings.filter((f) => f.kind === 'log');
      expect(log).toEqual([
        expect.objectContaining({ code: 'entry_missing', index: Number(victim.idx) }),
      ]);
      expect(r.out).toContain(`entry_missing at index ${victim.idx}`);
      // Without that event the books differ from the API too (its donation is not replayed).
      expect(r.report.findings.some((f) => f.kind === 'api')).toBe(true);
    } finally {
      await sql`insert into ledger_outbox (id, event_type, leaf, queued_at) overriding system value
        values (${row.id}::bigint, ${row.event_type}, ${row.leaf}, ${row.queued_at}::timestamptz)`.execute(
        db,
      );
    }
  });

  it('fails on an evidence file altered on disk: an evidence_mismatch finding, not an anomaly', async () => {
    const path = t.app.files.pathOf(invoice);
    const original = readFileSync(path);
    writeFileSync(path, Buffer.concat([original, Buffer.from('%tampered\n')]));
    try {
      const r = await audit(freshState());
      expect(r.code).toBe(1);
      expect(r.report.findings).toEqual([
        expect.objectContaining({
          kind: 'evidence',
          code: 'evidence_mismatch',
          disbursementId: expect.any(String),
        }),
      ]);
      expect(r.report.anomalies.map((a) => a.code)).not.toContain('evidence_mismatch');
      expect(r.out.split('\n').at(-1)).toMatch(/^FAILED: 1 check failed/);
      expect(r.out).toMatch(
        new RegExp(`evidence_mismatch at index \\d+: invoice of disbursement \\S+ ${invoice}`),
      );
    } finally {
      writeFileSync(path, original);
    }
  });

  it('reports a history rewritten between two runs and keeps the checkpoint it verified', async () => {
    const state = freshState();
    const first = await audit(state);
    expect(first.code).toBe(0);
    // Another database signed with the same key under the same origin: the operator's log
    // rebuilt with a different past, grown past the size the auditor saw.
    const forged = await startTestApp({ env: { LOG_SIGNER_KEY: t.app.config.ledger.signerKey! } });
    try {
      const forgedBase = await forged.app.listen({ port: 0, host: '127.0.0.1' });
      const p = await publishedProject(forged);
      await paidDonationsBulk(forged, p.project.id, first.report.checkpoint!.size + 10, 100);
      await drainLog(forged);
      const r = await audit(state, [], forgedBase);
      expect(r.code).toBe(1);
      const oldSize = first.report.checkpoint!.size;
      expect(r.report.findings).toContainEqual(
        expect.objectContaining({ code: 'history_rewritten', index: oldSize - (oldSize % 256) }),
      );
      // The books of a mixed history are not replayed: the rewrite is the finding.
      expect(r.report.findings.every((f) => f.kind === 'log')).toBe(true);
      expect(r.out).toContain('✗ consistency: does not extend the checkpoint');
      const saved = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8'));
      expect(saved.size).toBe(first.report.checkpoint!.size);
    } finally {
      await forged.close();
    }
  });
});
