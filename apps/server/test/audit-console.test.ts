import { findAnomalies, type LoggedEvent, replayBooks } from '@goodtrace/books';
import { generateSignerKey, openNote, parseVerifierKey } from '@goodtrace/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogBooks } from '../src/audit/log-books.js';
import { currentSize, readEntries } from '../src/ledger/read.js';
import { recordDisbursement } from '../src/spending/record-disbursement.js';
import { Client, createStaff, startTestApp, type TestApp, testLogOrigin } from './support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  publishedProject,
  samplePdf,
  upload,
} from './support/money.js';
import { startTestWitness } from './support/witness.js';

/**
 * The auditor's console data (issue 6): the log's health with a real witness, the anomalies
 * and a charity's books recomputed by replaying the LOG (one incremental replay per process),
 * and who may read them.
 */

const DAY = 86_400_000;
let t: TestApp;
let witness: Awaited<ReturnType<typeof startTestWitness>>;
/** The app's clock, fixed for the file. */
const now = new Date();
let auditor: Client;
let admin: Client;
let a: Awaited<ReturnType<typeof publishedProject>>;
let payee: string;
let evidence: string;

beforeAll(async () => {
  const key = generateSignerKey(testLogOrigin);
  witness = await startTestWitness({
    name: 'witness.console.test',
    logKey: key.verifierKey,
    origin: testLogOrigin,
  });
  t = await startTestApp({
    clock: () => now,
    env: {
      LOG_SIGNER_KEY: key.signerKey,
      LOG_WITNESSES: JSON.stringify([{ verifierKey: witness.verifierKey, url: witness.url }]),
    },
  });
  auditor = await createStaff(t, 'auditor@console.test', 'auditor');
  admin = await createStaff(t, 'admin@console.test', 'admin');
  a = await publishedProject(t);
  await paidDonation(t, a.project.id, 6_000_000);
  payee = await beneficiary(a.owner, a.orgId, 'supplier');
  evidence = await upload(a.owner, a.orgId, samplePdf, 'application/pdf');
});
afterAll(async () => {
  await t.close();
  await witness.close();
});

/** The whole log replayed from scratch, independently of the server's running replay. */
async function replayFromScratch() {
  await drainLog(t);
  const db = t.database.db;
  const rows = await readEntries(db, 0, await currentSize(db));
  return replayBooks(
    rows.map(
      (r): LoggedEvent => ({
        index: Number(r.idx),
        event: JSON.parse(new TextDecoder().decode(r.leaf)),
      }),
    ),
  );
}

describe('the anomalies, from the log', () => {
  it('a round ¥50,000 paid from a ¥30,000 budget line and never confirmed shows up as three anomalies, exactly as a replay of the log finds them', async () => {
    // Paid 31 days ago (through the domain function, which takes the time), never confirmed.
    const paidAt = new Date(now.getTime() - 31 * DAY);
    const { id: disbursementId } = await recordDisbursement(
      t.database.db,
      a.orgId,
      a.project.id,
      a.owner.userId!,
      {
        amount: 5_000_000,
        currency: 'CNY',
        budgetLineId: a.project.budget[0]!.id,
        beneficiaryId: payee,
        purpose: 'Books, bulk',
        date: paidAt.toISOString().slice(0, 10),
        evidence: [{ sha256: evidence, kind: 'invoice' }],
      },
      paidAt,
    );
    await drainLog(t);

    const got = (await auditor.get('/api/audit/anomalies')).json();
    const ours = got.items.filter(
      (x: { disbursementId?: string }) => x.disbursementId === disbursementId,
    );
    expect(ours.map((x: { code: string }) => x.code).sort()).toEqual([
      'budget_line_overrun',
      'round_disbursement',
      'unconfirmed_disbursement',
    ]);
    expect(ours[0]).toMatchObject({ orgId: a.orgId, projectId: a.project.id });
    expect(ours[0].orgName).toMatch(/^Charity /);
    expect(ours[0].projectTitle).toBe('Textbooks for Hillside School');
    expect(got.counts).toMatchObject({ round_disbursement: 1, unconfirmed_disbursement: 1 });

    // Exactly what anyone replaying the same log finds (names aside).
    const expected = findAnomalies(await replayFromScratch(), { now });
    expect(
      got.items.map(({ orgName, projectTitle, ...rest }: Record<string, unknown>) => rest),
    ).toEqual(expected);

    // The database's own totals are not consulted: changing one behind the server's back
    // leaves the anomalies as the log says.
    await t.database.db
      .updateTable('disbursements')
      .set({ amount: '4999999' })
      .where('id', '=', disbursementId)
      .execute();
    const after = (await auditor.get('/api/audit/anomalies?code=round_disbursement')).json();
    expect(after.items.map((x: { amount: number }) => x.amount)).toEqual([5_000_000]);
    await t.database.db
      .updateTable('disbursements')
      .set({ amount: '5000000' })
      .where('id', '=', disbursementId)
      .execute();
  });

  it('filters by code and by charity', async () => {
    const only = (await auditor.get('/api/audit/anomalies?code=budget_line_overrun')).json();
    expect(only.items.length).toBeGreaterThan(0);
    expect(only.items.every((x: { code: string }) => x.code === 'budget_line_overrun')).toBe(true);
    const other = await publishedProject(t);
    const none = (await admin.get(`/api/audit/anomalies?orgId=${other.orgId}`)).json();
    expect(none).toMatchObject({ total: 0, items: [] });
    const bad = await auditor.get('/api/audit/anomalies?code=made_up');
    expect(bad.statusCode).toBe(400);
  });

  it('the server’s replay catches up incrementally: a new disbursement appears on the next read', async () => {
    const before = (await auditor.get('/api/audit/anomalies?code=round_disbursement')).json();
    const res = await disburse(
      a.owner,
      { orgId: a.orgId, projectId: a.project.id, budgetLineId: a.project.budget[1]!.id },
      { amount: 1_000_000 * 6, beneficiaryId: payee, evidence: [evidence] },
    );
    // ¥60,000 is more than is left (¥10,000): refused. Spend what is left, a round ¥10,000…
    expect(res.statusCode).toBe(409);
    await paidDonation(t, a.project.id, 5_000_000);
    const ok = await disburse(
      a.owner,
      { orgId: a.orgId, projectId: a.project.id, budgetLineId: a.project.budget[1]!.id },
      { amount: 5_000_000, beneficiaryId: payee, evidence: [evidence] },
    );
    expect(ok.statusCode, ok.body).toBe(201);
    await drainLog(t);
    const after = (await auditor.get('/api/audit/anomalies?code=round_disbursement')).json();
    expect(after.total).toBe(before.total + 1);
    expect(after.replayed).toBeGreaterThan(before.replayed);
    expect(after.items.map((x: { disbursementId: string }) => x.disbursementId)).toContain(
      ok.json().id,
    );
  });
});

describe('the incremental replay (LogBooks)', () => {
  it('reads only new entries, in small batches, and ends with the books a full replay gives', async () => {
    await drainLog(t);
    const books = new LogBooks(t.database.db, 3);
    const first = await books.books();
    const size = (
      await t.database.db.selectFrom('ledger_state').select('tree_size').executeTakeFirstOrThrow()
    ).tree_size;
    expect(first.entries).toBe(Number(size));

    await paidDonation(t, a.project.id, 12_345);
    await drainLog(t);
    // Two reads at once: serialised, so no entry is applied twice.
    const [x, y] = await Promise.all([books.books(), books.books()]);
    expect(x.entries).toBe(y.entries);
    expect(x.entries).toBe(first.entries + 1);
    const full = await replayFromScratch();
    expect(x.violations).toEqual([]);
    expect(x.projects.get(a.project.id)).toEqual(full.projects.get(a.project.id));
    expect([...x.donations.keys()]).toEqual([...full.donations.keys()]);
  });
});

describe('a charity’s books from the log', () => {
  it('shows each project’s money and each disbursement as the public project page counts them', async () => {
    await drainLog(t);
    const res = await a.owner.get(`/api/orgs/${a.orgId}/audit/books`);
    expect(res.statusCode, res.body).toBe(200);
    const books = res.json();
    const page = (await new Client(t.app).get(`/api/projects/${a.project.id}`)).json();
    const project = books.projects.find((p: { id: string }) => p.id === a.project.id);
    expect(project).toMatchObject({
      title: 'Textbooks for Hillside School',
      raised: page.flow.raised,
      spent: page.spent,
      allocated: page.flow.allocated,
      confirmed: page.confirmed,
      unspent: page.unspent,
    });
    expect(project.budget[0]).toMatchObject({
      label: 'Books',
      amount: 3_000_000,
      spent: 5_000_000,
    });
    expect(books.disbursements[0]).toMatchObject({
      projectId: a.project.id,
      confirmed: false,
      payee: { kind: 'supplier' },
      budgetLine: { label: 'Transport' },
    });
    expect(books.org.id).toBe(a.orgId);
  });

  it('is read by the charity’s members, auditors and admins only', async () => {
    const other = await publishedProject(t);
    expect((await other.owner.get(`/api/orgs/${a.orgId}/audit/books`)).statusCode).toBe(403);
    expect((await auditor.get(`/api/orgs/${a.orgId}/audit/books`)).statusCode).toBe(200);
    expect((await admin.get(`/api/orgs/${a.orgId}/audit/books`)).statusCode).toBe(200);
    expect((await a.owner.get('/api/audit/anomalies')).statusCode).toBe(403);
    expect((await a.owner.get('/api/audit/health')).statusCode).toBe(403);
    expect((await new Client(t.app).get('/api/audit/health')).statusCode).toBe(401);
  });
});

describe('the log’s health', () => {
  it('shows the size, the checkpoint’s age, the witness with its cosigned size and lag, and its last error', async () => {
    await drainLog(t);
    await t.app.ledger.witnesses.syncAll();
    let health = (await auditor.get('/api/audit/health')).json();
    expect(health.treeSize).toBeGreaterThan(0);
    expect(health.checkpointAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(health.witnesses).toEqual([
      expect.objectContaining({
        name: witness.name,
        url: witness.url,
        configured: true,
        cosignedSize: health.treeSize,
        lag: 0,
        lastError: null,
      }),
    ]);
    expect(health.cosigned).toEqual({ treeSize: health.treeSize, witnesses: [witness.name] });
    // No witness has shown another history: no alarm yet (witness-fork.test.ts raises them).
    expect(health.alarms).toEqual([]);

    // The witness goes away; the log grows: the lag and the error show.
    await witness.close();
    await paidDonation(t, a.project.id, 1000);
    await drainLog(t);
    await t.app.ledger.witnesses.syncAll();
    health = (await auditor.get('/api/audit/health')).json();
    expect(health.witnesses[0].lag).toBeGreaterThan(0);
    expect(health.witnesses[0].lastError).toEqual(expect.any(String));
    expect(health.cosigned.treeSize).toBeLessThan(health.treeSize);
  });

  it('anyone can fetch the latest cosigned checkpoint, and its cosignature verifies with the witness key', async () => {
    const res = await new Client(t.app).get('/api/log/cosigned');
    expect(res.statusCode).toBe(200);
    const { checkpoint } = res.json();
    const logKey = (await t.app.inject({ method: 'GET', url: '/log/key' })).body.trim();
    const opened = openNote(checkpoint.note, [
      parseVerifierKey(logKey),
      parseVerifierKey(witness.verifierKey),
    ]);
    expect(opened.signatures.map((s) => s.name).sort()).toEqual(
      [testLogOrigin, witness.name].sort(),
    );
    expect(checkpoint.cosignatures).toEqual([{ witness: witness.name, at: expect.any(String) }]);
  });
});
