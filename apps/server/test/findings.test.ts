import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFinding, textSha256 } from '../src/audit/findings.js';
import { readEntries } from '../src/ledger/read.js';
import { Client, createStaff, errorCode, startTestApp, type TestApp } from './support/app.js';
import { logIndexOf } from './support/ledger.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  publishedProject,
  samplePdf,
  upload,
} from './support/money.js';

/**
 * Findings (issue 6, the auditor's console): an auditor files one on a charity or one of its
 * disbursements, the charity answers, the auditor closes it; each step is a row and a log
 * event committed together, and every bad request is refused with its code, changing nothing.
 */

let t: TestApp;
let auditor: Client;
let admin: Client;
let user: Client;
/** Charity A, with a disbursement; charity B, with one of its own. */
let a: { owner: Client; orgId: string; disbursementId: string };
let b: { owner: Client; orgId: string; disbursementId: string };

async function charityWithDisbursement() {
  const { owner, orgId, project } = await publishedProject(t);
  await paidDonation(t, project.id, 100_000);
  const payee = await beneficiary(owner, orgId);
  const sha = await upload(owner, orgId, samplePdf, 'application/pdf');
  const res = await disburse(
    owner,
    { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id },
    { amount: 20_000, beneficiaryId: payee, evidence: [sha], purpose: 'Grade 3 textbooks' },
  );
  expect(res.statusCode, res.body).toBe(201);
  return { owner, orgId, disbursementId: (res.json() as { id: string }).id };
}

beforeAll(async () => {
  t = await startTestApp();
  auditor = await createStaff(t, 'auditor@findings.test', 'auditor');
  admin = await createStaff(t, 'admin@findings.test', 'admin');
  user = await new Client(t.app).signUp('someone@findings.test');
  a = await charityWithDisbursement();
  b = await charityWithDisbursement();
});
afterAll(() => t.close());

const finding = (overrides: Record<string, unknown> = {}) => ({
  orgId: a.orgId,
  disbursementId: a.disbursementId,
  title: 'Freight invoice without a delivery note',
  body: 'The invoice names 2.1 t of freight; no delivery note or photo shows what arrived.',
  severity: 'medium',
  ...overrides,
});

/**
 * Rows of both tables and events queued or logged (outbox rows are kept for good: each is a
 * log entry once sequenced), read in one statement (one snapshot).
 */
async function counts() {
  const { rows } = await sql<{ findings: string; answers: string; events: string }>`select
      (select count(*) from findings) as findings,
      (select count(*) from finding_answers) as answers,
      (select count(*) from ledger_outbox) as events`.execute(t.database.db);
  const r = rows[0]!;
  return { findings: Number(r.findings), answers: Number(r.answers), events: Number(r.events) };
}

/** The logged event of an outbox id, once sequenced: the log's entry at that id's index. */
async function loggedEvent(outboxId: string) {
  await drainLog(t);
  const db = t.database.db;
  const idx = await logIndexOf(db, outboxId);
  if (idx === null) throw new Error(`outbox row ${outboxId} is not on the log`);
  const [row] = await readEntries(db, idx, idx + 1);
  if (row?.outbox_id !== outboxId)
    throw new Error(`the log's entry ${idx} is not outbox row ${outboxId}`);
  const text = new TextDecoder().decode(row.leaf);
  return { text, event: JSON.parse(text) as { type: string; data: Record<string, unknown> } };
}

describe('a finding, filed, answered and closed', () => {
  it('an auditor files a finding on a disbursement: the row and finding.filed commit together; the log has the text’s hash, not the text or the auditor', async () => {
    const before = await counts();
    const res = await auditor.post('/api/audit/findings', finding());
    expect(res.statusCode, res.body).toBe(201);
    const { id, outboxId } = res.json() as { id: string; outboxId: string };
    expect(await counts()).toEqual({
      ...before,
      findings: before.findings + 1,
      events: before.events + 1,
    });
    const row = await t.database.db
      .selectFrom('findings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: a.orgId,
      disbursement_id: a.disbursementId,
      status: 'open',
      severity: 'medium',
      outbox_id: outboxId,
    });
    expect(row.project_id).not.toBeNull();

    const { text, event } = await loggedEvent(outboxId);
    expect(event).toMatchObject({
      type: 'finding.filed',
      data: {
        findingId: id,
        orgId: a.orgId,
        projectId: row.project_id,
        disbursementId: a.disbursementId,
        severity: 'medium',
        by: 'auditor',
        textSha256: textSha256([finding().title, finding().body]),
      },
    });
    expect(text).not.toContain('delivery note');
    expect(text).not.toContain('auditor@findings.test');
    expect(text).not.toContain(auditor.userId!);
  });

  it('a finding on the charity itself names no disbursement', async () => {
    const res = await auditor.post(
      '/api/audit/findings',
      finding({ disbursementId: undefined, title: 'Annual report missing', severity: 'low' }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const { event } = await loggedEvent(res.json().outboxId);
    expect(event.data).toMatchObject({ orgId: a.orgId, projectId: null, disbursementId: null });
  });

  it('the charity sees its finding and answers; the auditor sees the answer and closes it; then it can be neither answered nor closed again', async () => {
    const { id } = (await auditor.post('/api/audit/findings', finding())).json() as { id: string };
    const mine = (await a.owner.get(`/api/orgs/${a.orgId}/findings`)).json();
    const seen = mine.items.find((f: { id: string }) => f.id === id);
    expect(seen).toMatchObject({
      title: finding().title,
      body: finding().body,
      status: 'open',
      disbursement: { id: a.disbursementId, amount: 20_000, purpose: 'Grade 3 textbooks' },
      answers: [],
    });

    const before = await counts();
    const answered = await a.owner.post(`/api/orgs/${a.orgId}/findings/${id}/answers`, {
      body: '  The delivery note is attached to the next disbursement; photo follows.  ',
    });
    expect(answered.statusCode, answered.body).toBe(201);
    expect(await counts()).toEqual({
      ...before,
      answers: before.answers + 1,
      events: before.events + 1,
    });
    const { event } = await loggedEvent(answered.json().outboxId);
    expect(event).toEqual({
      type: 'finding.answered',
      v: 1,
      at: expect.any(String),
      data: {
        findingId: id,
        orgId: a.orgId,
        answerId: answered.json().id,
        by: 'charity',
        textSha256: textSha256([
          'The delivery note is attached to the next disbursement; photo follows.',
        ]),
      },
    });

    const all = (await auditor.get(`/api/audit/findings?orgId=${a.orgId}`)).json();
    expect(all.items.find((f: { id: string }) => f.id === id)).toMatchObject({
      status: 'answered',
      orgName: expect.any(String),
      answers: [{ body: 'The delivery note is attached to the next disbursement; photo follows.' }],
    });

    const closed = await auditor.post(`/api/audit/findings/${id}/close`);
    expect(closed.statusCode, closed.body).toBe(200);
    expect((await loggedEvent(closed.json().outboxId)).event).toMatchObject({
      type: 'finding.closed',
      data: { findingId: id, orgId: a.orgId, by: 'auditor' },
    });

    const after = await counts();
    const late = await a.owner.post(`/api/orgs/${a.orgId}/findings/${id}/answers`, {
      body: 'One more thing',
    });
    expect([late.statusCode, errorCode(late)]).toEqual([409, 'finding_closed']);
    const again = await auditor.post(`/api/audit/findings/${id}/close`);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'finding_closed']);
    expect(await counts()).toEqual(after);
  });

  it('a failure after the event is queued rolls the event back with the row', async () => {
    const before = await counts();
    // An auditor id that is no account: the row's insert fails after appendEvent.
    await expect(
      fileFinding(
        t.database.db,
        randomUUID(),
        { ...finding(), severity: 'high' } as Parameters<typeof fileFinding>[2],
        new Date(),
      ),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
  });
});

describe('bad requests change nothing', () => {
  const long = (n: number) => 'x'.repeat(n);
  const filings: [string, () => Client, () => Record<string, unknown>, number, string][] = [
    [
      'an unknown charity',
      () => auditor,
      () => finding({ orgId: randomUUID(), disbursementId: null }),
      404,
      'not_found',
    ],
    [
      'an unknown disbursement',
      () => auditor,
      () => finding({ disbursementId: randomUUID() }),
      404,
      'not_found',
    ],
    [
      'a disbursement of another charity',
      () => auditor,
      () => finding({ disbursementId: b.disbursementId }),
      400,
      'disbursement_not_in_charity',
    ],
    ['a blank title', () => auditor, () => finding({ title: '   ' }), 400, 'validation_failed'],
    ['an empty text', () => auditor, () => finding({ body: '' }), 400, 'validation_failed'],
    [
      'a title too long',
      () => auditor,
      () => finding({ title: long(201) }),
      400,
      'validation_failed',
    ],
    [
      'a text too long',
      () => auditor,
      () => finding({ body: long(5001) }),
      400,
      'validation_failed',
    ],
    [
      'an unknown severity',
      () => auditor,
      () => finding({ severity: 'urgent' }),
      400,
      'validation_failed',
    ],
    [
      'a field it does not know',
      () => auditor,
      () => finding({ auditor: 'me' }),
      400,
      'validation_failed',
    ],
    ['an admin (not an auditor)', () => admin, () => finding(), 403, 'forbidden'],
    ['the charity’s own owner', () => a.owner, () => finding(), 403, 'forbidden'],
    ['a signed-in donor', () => user, () => finding(), 403, 'forbidden'],
    ['no one signed in', () => new Client(t.app), () => finding(), 401, 'unauthenticated'],
  ];
  for (const [what, who, body, status, code] of filings) {
    it(`filing: ${what} → ${status} ${code}`, async () => {
      const before = await counts();
      const res = await who().post('/api/audit/findings', body());
      expect([res.statusCode, errorCode(res)]).toEqual([status, code]);
      expect(await counts()).toEqual(before);
    });
  }

  it('answering: blank, too long, unknown, another charity’s, or by the wrong person', async () => {
    const { id } = (await auditor.post('/api/audit/findings', finding())).json() as { id: string };
    const { id: ofB } = (
      await auditor.post(
        '/api/audit/findings',
        finding({ orgId: b.orgId, disbursementId: b.disbursementId }),
      )
    ).json() as { id: string };
    const cases: [string, Client, string, unknown, number, string][] = [
      [
        'blank',
        a.owner,
        `/api/orgs/${a.orgId}/findings/${id}/answers`,
        { body: ' \n ' },
        400,
        'validation_failed',
      ],
      [
        'too long',
        a.owner,
        `/api/orgs/${a.orgId}/findings/${id}/answers`,
        { body: long(5001) },
        400,
        'validation_failed',
      ],
      [
        'unknown',
        a.owner,
        `/api/orgs/${a.orgId}/findings/${randomUUID()}/answers`,
        { body: 'Hello' },
        404,
        'not_found',
      ],
      [
        'another charity’s, through one’s own',
        a.owner,
        `/api/orgs/${a.orgId}/findings/${ofB}/answers`,
        { body: 'Hello' },
        404,
        'not_found',
      ],
      [
        'another charity’s, as a stranger',
        a.owner,
        `/api/orgs/${b.orgId}/findings/${ofB}/answers`,
        { body: 'Hello' },
        403,
        'forbidden',
      ],
      [
        'by the auditor',
        auditor,
        `/api/orgs/${a.orgId}/findings/${id}/answers`,
        { body: 'Hello' },
        403,
        'forbidden',
      ],
      [
        'by an admin',
        admin,
        `/api/orgs/${a.orgId}/findings/${id}/answers`,
        { body: 'Hello' },
        403,
        'forbidden',
      ],
      [
        'closing by the charity',
        a.owner,
        `/api/audit/findings/${id}/close`,
        undefined,
        403,
        'forbidden',
      ],
      [
        'closing an unknown finding',
        auditor,
        `/api/audit/findings/${randomUUID()}/close`,
        undefined,
        404,
        'not_found',
      ],
    ];
    for (const [what, who, url, body, status, code] of cases) {
      const before = await counts();
      const res = await who.post(url, body);
      expect([what, res.statusCode, errorCode(res)]).toEqual([what, status, code]);
      expect(await counts()).toEqual(before);
    }
  });
});

describe('who sees which findings', () => {
  it('a charity sees its own findings only; staff see all', async () => {
    const { id: ofA } = (await auditor.post('/api/audit/findings', finding())).json();
    const { id: ofB } = (
      await auditor.post('/api/audit/findings', finding({ orgId: b.orgId, disbursementId: null }))
    ).json();
    const idsOf = (res: { json(): { items: { id: string }[] } }) =>
      res.json().items.map((f) => f.id);

    expect((await b.owner.get(`/api/orgs/${a.orgId}/findings`)).statusCode).toBe(403);
    const bSees = idsOf(await b.owner.get(`/api/orgs/${b.orgId}/findings`));
    expect(bSees).toContain(ofB);
    expect(bSees).not.toContain(ofA);
    expect((await b.owner.get('/api/audit/findings')).statusCode).toBe(403);
    expect((await user.get(`/api/orgs/${a.orgId}/findings`)).statusCode).toBe(403);

    for (const staff of [auditor, admin]) {
      const everything = idsOf(await staff.get('/api/audit/findings'));
      expect(everything).toEqual(expect.arrayContaining([ofA, ofB]));
      expect(idsOf(await staff.get(`/api/orgs/${a.orgId}/findings`))).toContain(ofA);
    }
    // The finding closed earlier in this file is listed; the open ones are not.
    const closed = (await auditor.get('/api/audit/findings?status=closed')).json().items as {
      id: string;
      status: string;
    }[];
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((f) => f.status === 'closed')).toBe(true);
    expect(closed.map((f) => f.id)).not.toContain(ofA);
  });
});
