import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSize, readEntries } from '../src/ledger/read.js';
import { Client, errorCode, sampleOrg, startTestApp, type TestApp } from './support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  moneySnapshot,
  type Project,
  paidDonation,
  projectBody,
  publishedProject,
  sampleJpeg,
  samplePdf,
  samplePng,
  uniquePdf,
  uniquePng,
  upload,
} from './support/money.js';

/**
 * Bad input to the money API: each request gets its status and stable code, and nothing in
 * the store changes — no row, no balance, no event queued or logged, no file written.
 */

// 07:30 on 27 November in China, still the 26th in UTC.
let now = new Date('2026-11-26T23:30:00.000Z');
const EVIDENCE_MAX_BYTES = 2048;
let t: TestApp;

interface Charity {
  owner: Client;
  orgId: string;
  project: Project;
  payee: string;
  invoice: string;
}
let a: Charity; // verified, its project funded with 10,000 fen
let b: Charity; // another verified charity
let draftId: string; // a draft of charity A
let pending: { owner: Client; orgId: string; draftId: string }; // a charity not yet verified
let ackCode: string;
// Files only charity B uploaded, one only A did, and a photo uploaded for B's acknowledgement.
let bOnlyPdf: string;
let bOnlyPng: string;
let aPng: string;
let bAckPhoto: string;

async function charity(): Promise<Charity> {
  const { owner, orgId, project } = await publishedProject(t);
  return {
    owner,
    orgId,
    project,
    payee: await beneficiary(owner, orgId),
    invoice: await upload(owner, orgId, samplePdf, 'application/pdf'),
  };
}

beforeAll(async () => {
  t = await startTestApp({
    clock: () => now,
    env: { EVIDENCE_MAX_BYTES: String(EVIDENCE_MAX_BYTES) },
  });
  a = await charity();
  b = await charity();
  await paidDonation(t, a.project.id, 10_000);
  await paidDonation(t, b.project.id, 10_000);
  const draft = await a.owner.post(`/api/orgs/${a.orgId}/projects`, projectBody());
  draftId = draft.json().id;
  const owner = await new Client(t.app).signUp(`pending-${randomUUID()}@example.org`);
  const org = await owner.post('/api/orgs', sampleOrg(`pending${Date.now()}`));
  const pendingDraft = await owner.post(`/api/orgs/${org.json().id}/projects`, projectBody());
  expect(pendingDraft.statusCode, pendingDraft.body).toBe(201);
  pending = { owner, orgId: org.json().id, draftId: pendingDraft.json().id };
  const spent = await spendA({ amount: 1000 });
  expect(spent.statusCode, spent.body).toBe(201);
  ackCode = spent.json().ackCode;
  bOnlyPdf = await upload(b.owner, b.orgId, uniquePdf('b-only'), 'application/pdf');
  bOnlyPng = await upload(b.owner, b.orgId, uniquePng(101), 'image/png');
  aPng = await upload(a.owner, a.orgId, uniquePng(102), 'image/png');
  const bSpent = await disburse(
    b.owner,
    { orgId: b.orgId, projectId: b.project.id, budgetLineId: b.project.budget[0]!.id },
    { amount: 100, beneficiaryId: b.payee, evidence: [b.invoice] },
  );
  expect(bSpent.statusCode, bSpent.body).toBe(201);
  const photo = await new Client(t.app).request(
    'POST',
    `/api/acknowledgements/${bSpent.json().ackCode}/photo`,
    uniquePng(103),
    { 'content-type': 'image/png' },
  );
  expect(photo.statusCode, photo.body).toBe(201);
  bAckPhoto = photo.json().sha256;
});
afterAll(async () => {
  await t.close();
});

const donate = (projectId: string, body: Record<string, unknown>) =>
  new Client(t.app).request(
    'POST',
    `/api/projects/${projectId}/donations`,
    { amount: 5000, currency: 'CNY', email: 'giver@example.org', ...body },
    { 'idempotency-key': randomUUID() },
  );

function spendA(
  body: Partial<Parameters<typeof disburse>[2]> & { budgetLineId?: string },
  as: Client = a.owner,
  orgId = a.orgId,
  projectId = a.project.id,
) {
  return disburse(
    as,
    { orgId, projectId, budgetLineId: body.budgetLineId ?? a.project.budget[0]!.id },
    { amount: 500, beneficiaryId: a.payee, evidence: [a.invoice], ...body },
  );
}

/** A raw evidence upload as charity A's owner. */
const uploadA = (bytes: Buffer, type: string) =>
  a.owner.request('POST', `/api/orgs/${a.orgId}/files`, bytes, { 'content-type': type });

const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const bigPng = Buffer.concat([samplePng, Buffer.alloc(EVIDENCE_MAX_BYTES, 1)]);

interface BadCase {
  name: string;
  send: () => Promise<LightMyRequestResponse>;
  status: number;
  code: string;
}

const cases: BadCase[] = [
  // Donations
  ...(
    [
      ['a negative amount', -5000, 'invalid_amount'],
      ['a zero amount', 0, 'invalid_amount'],
      ['an amount over ¥100,000,000', 10_000_000_001, 'invalid_amount'],
      ['a fractional amount (50.5 fen)', 50.5, 'validation_failed'],
      ['an amount as a string', '5000', 'validation_failed'],
    ] as const
  ).map(([what, amount, code]) => ({
    name: `a donation of ${what}`,
    send: () => donate(a.project.id, { amount }),
    status: 400,
    code,
  })),
  {
    name: 'a donation in USD',
    send: () => donate(a.project.id, { currency: 'USD' }),
    status: 400,
    code: 'currency_not_supported',
  },
  {
    name: 'a donation in lower-case "cny"',
    send: () => donate(a.project.id, { currency: 'cny' }),
    status: 400,
    code: 'currency_not_supported',
  },
  {
    name: 'a guest donation without an email',
    send: () => donate(a.project.id, { email: null }),
    status: 400,
    code: 'guest_email_required',
  },
  {
    name: 'a donation to a draft project',
    send: () => donate(draftId, {}),
    status: 409,
    code: 'project_not_open',
  },
  {
    name: 'a donation to a project that does not exist',
    send: () => donate(randomUUID(), {}),
    status: 404,
    code: 'not_found',
  },

  // Disbursements
  {
    name: 'a disbursement above the unspent balance',
    send: () => spendA({ amount: 9001 }),
    status: 409,
    code: 'insufficient_funds',
  },
  ...(
    [
      ['a negative amount', -500, 'invalid_amount'],
      ['a zero amount', 0, 'invalid_amount'],
      ['an amount over ¥100,000,000', 10_000_000_001, 'invalid_amount'],
      ['a fractional amount', 99.5, 'validation_failed'],
    ] as const
  ).map(([what, amount, code]) => ({
    name: `a disbursement of ${what}`,
    send: () => spendA({ amount }),
    status: 400,
    code,
  })),
  {
    name: 'a disbursement in USD',
    send: () => spendA({ currency: 'USD' }),
    status: 400,
    code: 'currency_not_supported',
  },
  {
    name: 'a disbursement whose evidence was never uploaded',
    send: () => spendA({ evidence: ['0'.repeat(64)] }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    // Files are content-addressed and shared, but what a charity may cite is what it uploaded.
    name: 'a disbursement citing a file only another charity uploaded',
    send: () => spendA({ evidence: [bOnlyPdf] }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a disbursement citing its own file and one only another charity uploaded',
    send: () => spendA({ evidence: [a.invoice, bOnlyPng] }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a disbursement citing a beneficiary’s confirmation photo',
    send: () => spendA({ evidence: [bAckPhoto] }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a disbursement listing the same evidence twice',
    send: () => spendA({ evidence: [a.invoice, a.invoice] }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a disbursement from a budget line of another project',
    send: () => spendA({ budgetLineId: b.project.budget[0]!.id }),
    status: 400,
    code: 'invalid_budget',
  },
  {
    name: 'a disbursement to another charity’s beneficiary',
    send: () => spendA({ beneficiaryId: b.payee }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a disbursement dated the day after tomorrow (in China)',
    send: () => spendA({ date: '2026-11-29' }),
    status: 400,
    code: 'invalid_dates',
  },
  {
    name: 'a disbursement from a draft project',
    send: () => spendA({}, a.owner, a.orgId, draftId),
    status: 409,
    code: 'project_not_open',
  },
  {
    // Through its own charity's path: the project is looked up within that charity, so
    // another charity's project is as absent as one that does not exist (its id reveals nothing).
    name: 'a member of charity A spending from charity B’s project under A',
    send: () => spendA({ budgetLineId: b.project.budget[0]!.id }, a.owner, a.orgId, b.project.id),
    status: 404,
    code: 'not_found',
  },
  {
    // Under B's path: A's member is not B's member, and the access check refuses before
    // anything is read.
    name: 'a member of charity A spending from charity B’s project under B',
    send: () =>
      spendA(
        { budgetLineId: b.project.budget[0]!.id, beneficiaryId: b.payee, evidence: [b.invoice] },
        a.owner,
        b.orgId,
        b.project.id,
      ),
    status: 403,
    code: 'forbidden',
  },

  // Projects
  {
    name: 'a member of charity A editing charity B’s project under A',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${b.project.id}`, { title: 'Mine now' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a member of charity A editing charity B’s project under B',
    send: () =>
      a.owner.patch(`/api/orgs/${b.orgId}/projects/${b.project.id}`, { title: 'Mine now' }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'publishing a project of a charity not yet verified',
    send: () =>
      pending.owner.post(`/api/orgs/${pending.orgId}/projects/${pending.draftId}/publish`),
    status: 409,
    code: 'org_not_verified',
  },
  {
    name: 'publishing a project twice',
    send: () => a.owner.post(`/api/orgs/${a.orgId}/projects/${a.project.id}/publish`),
    status: 409,
    code: 'project_published',
  },
  {
    name: 'a budget change after publishing without a reason',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${a.project.id}`, {
        budget: [{ id: a.project.budget[0]!.id, label: 'Books', amount: 3_200_000 }],
      }),
    status: 400,
    code: 'budget_reason_required',
  },
  {
    name: 'a new goal after publishing',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${a.project.id}`, {
        goal: { amount: 1, currency: 'CNY' },
      }),
    status: 409,
    code: 'project_published',
  },
  {
    name: 'a budget line from another project',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${draftId}`, {
        budget: [{ id: b.project.budget[0]!.id, label: 'Books', amount: 100 }],
      }),
    status: 400,
    code: 'invalid_budget',
  },
  {
    name: 'a cover that was never uploaded',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${draftId}`, { coverSha256: 'e'.repeat(64) }),
    status: 400,
    code: 'invalid_cover',
  },
  {
    name: 'a cover only another charity uploaded',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${draftId}`, { coverSha256: bOnlyPng }),
    status: 400,
    code: 'invalid_cover',
  },
  {
    name: 'a new project with a cover only another charity uploaded',
    send: () =>
      a.owner.post(`/api/orgs/${a.orgId}/projects`, projectBody({ coverSha256: bOnlyPng })),
    status: 400,
    code: 'invalid_cover',
  },
  {
    name: 'a cover that is a PDF',
    send: () =>
      a.owner.patch(`/api/orgs/${a.orgId}/projects/${draftId}`, { coverSha256: a.invoice }),
    status: 400,
    code: 'invalid_cover',
  },
  {
    name: 'a project with a goal in USD',
    send: () =>
      a.owner.post(
        `/api/orgs/${a.orgId}/projects`,
        projectBody({ goal: { amount: 100, currency: 'USD' } }),
      ),
    status: 400,
    code: 'currency_not_supported',
  },
  {
    name: 'a project with a budget line of 0',
    send: () =>
      a.owner.post(
        `/api/orgs/${a.orgId}/projects`,
        projectBody({ budget: [{ label: 'Books', amount: 0 }] }),
      ),
    status: 400,
    code: 'invalid_amount',
  },
  {
    name: 'a project with the same budget line twice',
    send: () =>
      a.owner.post(
        `/api/orgs/${a.orgId}/projects`,
        projectBody({
          budget: [
            { label: 'Books', amount: 100 },
            { label: ' books ', amount: 200 },
          ],
        }),
      ),
    status: 400,
    code: 'invalid_budget',
  },
  {
    name: 'a project that ends before it starts',
    send: () =>
      a.owner.post(
        `/api/orgs/${a.orgId}/projects`,
        projectBody({ startDate: '2026-06-01', endDate: '2026-05-31' }),
      ),
    status: 400,
    code: 'invalid_dates',
  },

  // Evidence files
  {
    name: 'evidence that is a GIF',
    send: () => uploadA(gif, 'image/gif'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a GIF declared as a PNG',
    send: () => uploadA(gif, 'image/png'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a PDF declared as a PNG',
    send: () => uploadA(samplePdf, 'image/png'),
    status: 415,
    code: 'file_type_mismatch',
  },
  {
    // Stopped by the body limit while streaming, answered with the files' own code.
    name: `evidence over EVIDENCE_MAX_BYTES (${EVIDENCE_MAX_BYTES})`,
    send: () => uploadA(bigPng, 'image/png'),
    status: 413,
    code: 'file_too_large',
  },
  {
    name: 'a 3-byte "JPEG" (its magic number and nothing else)',
    send: () => uploadA(Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a JPEG cut off before its frame header',
    send: () => uploadA(sampleJpeg.subarray(0, 150), 'image/jpeg'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a PNG signature followed by noise',
    send: () =>
      uploadA(Buffer.concat([samplePng.subarray(0, 8), Buffer.alloc(64, 7)]), 'image/png'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a PNG whose size is 0 × 0',
    send: () => {
      const zero = Buffer.from(samplePng);
      zero.writeUInt32BE(0, 16);
      zero.writeUInt32BE(0, 20);
      return uploadA(zero, 'image/png');
    },
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a PDF header without the %%EOF trailer',
    send: () => uploadA(Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n'), 'application/pdf'),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'empty evidence',
    send: () => uploadA(Buffer.alloc(0), 'application/pdf'),
    status: 400,
    code: 'file_empty',
  },

  // The beneficiary's confirmation
  {
    name: 'a forged confirmation code',
    send: () => new Client(t.app).post('/api/acknowledgements/AAAAA-BBBBB-CCCCC', {}),
    status: 404,
    code: 'invalid_token',
  },
  {
    name: 'a confirmation code with letters the codes never use',
    send: () => new Client(t.app).post('/api/acknowledgements/OOOOO-11111-IIIII', {}),
    status: 404,
    code: 'invalid_token',
  },
  {
    name: 'a confirmation photo under a forged code',
    send: () =>
      new Client(t.app).request(
        'POST',
        '/api/acknowledgements/AAAAA-BBBBB-CCCCC/photo',
        samplePng,
        {
          'content-type': 'image/png',
        },
      ),
    status: 404,
    code: 'invalid_token',
  },
  {
    name: 'a confirmation photo that is a PDF',
    send: () =>
      new Client(t.app).request('POST', `/api/acknowledgements/${ackCode}/photo`, samplePdf, {
        'content-type': 'application/pdf',
      }),
    status: 415,
    code: 'file_type_not_allowed',
  },
  {
    name: 'a confirmation naming a photo never uploaded',
    send: () =>
      new Client(t.app).post(`/api/acknowledgements/${ackCode}`, { photoSha256: 'f'.repeat(64) }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    // The photo belongs to the acknowledgement it was uploaded for.
    name: 'a confirmation naming the photo uploaded for another acknowledgement',
    send: () =>
      new Client(t.app).post(`/api/acknowledgements/${ackCode}`, { photoSha256: bAckPhoto }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a confirmation naming an image the charity uploaded',
    send: () => new Client(t.app).post(`/api/acknowledgements/${ackCode}`, { photoSha256: aPng }),
    status: 400,
    code: 'invalid_evidence',
  },
  {
    name: 'a confirmation naming a PDF as its photo',
    send: () =>
      new Client(t.app).post(`/api/acknowledgements/${ackCode}`, { photoSha256: a.invoice }),
    status: 400,
    code: 'invalid_evidence',
  },
];

describe('bad input to the money API', () => {
  it.each(cases)('$name: $status $code, nothing changes', async ({ send, status, code }) => {
    await drainLog(t);
    const before = await moneySnapshot(t);
    const res = await send();
    expect([res.statusCode, errorCode(res)], res.body).toEqual([status, code]);
    expect(typeof res.json().error.message).toBe('string');
    expect(await moneySnapshot(t)).toEqual(before);
  });

  it('the balance a refused disbursement would have overdrawn is still there to spend', async () => {
    const refused = await spendA({ amount: 9001 });
    expect(errorCode(refused)).toBe('insufficient_funds');
    const exact = await spendA({ amount: 9000 });
    expect(exact.statusCode, exact.body).toBe(201);
    const page = (
      await t.app.inject({ method: 'GET', url: `/api/projects/${a.project.id}` })
    ).json();
    expect(page).toMatchObject({ raised: 10_000, spent: 10_000, unspent: 0 });
  });

  it('a file another charity uploaded becomes this charity’s evidence and cover once it uploads the same bytes', async () => {
    await paidDonation(t, a.project.id, 1000);
    const bytes = uniquePdf('shared');
    const sha = await upload(b.owner, b.orgId, bytes, 'application/pdf');
    expect(errorCode(await spendA({ amount: 100, evidence: [sha] }))).toBe('invalid_evidence');
    expect(await upload(a.owner, a.orgId, bytes, 'application/pdf')).toBe(sha);
    const spent = await spendA({ amount: 100, evidence: [sha] });
    expect(spent.statusCode, spent.body).toBe(201);
    const png = uniquePng(104);
    const cover = await upload(b.owner, b.orgId, png, 'image/png');
    await upload(a.owner, a.orgId, png, 'image/png');
    const edited = await a.owner.patch(`/api/orgs/${a.orgId}/projects/${draftId}`, {
      coverSha256: cover,
    });
    expect(edited.statusCode, edited.body).toBe(200);
    // Charity B still has it too: ownership is per charity, the bytes are shared.
    const bDraft = await b.owner.post(
      `/api/orgs/${b.orgId}/projects`,
      projectBody({ coverSha256: cover }),
    );
    expect(bDraft.statusCode, bDraft.body).toBe(201);
  });

  it('a real JPEG and a real PNG are accepted as evidence', async () => {
    for (const [bytes, type] of [
      [sampleJpeg, 'image/jpeg'],
      [samplePng, 'image/png'],
    ] as const) {
      const res = await uploadA(bytes, type);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ mediaType: type, size: bytes.length });
    }
  });

  it('a disbursement dated today in China is accepted while it is still yesterday in UTC', async () => {
    const res = await disburse(
      b.owner,
      { orgId: b.orgId, projectId: b.project.id, budgetLineId: b.project.budget[0]!.id },
      { amount: 100, beneficiaryId: b.payee, evidence: [b.invoice], date: '2026-11-27' },
    );
    expect(res.statusCode, res.body).toBe(201);
  });

  it('a confirmation code works once: the second use is already_acknowledged and changes nothing', async () => {
    const spent = await disburse(
      b.owner,
      { orgId: b.orgId, projectId: b.project.id, budgetLineId: b.project.budget[0]!.id },
      { amount: 100, beneficiaryId: b.payee, evidence: [b.invoice] },
    );
    const code = spent.json().ackCode as string;
    const beneficiaryClient = new Client(t.app);
    expect(
      (await beneficiaryClient.post(`/api/acknowledgements/${code}`, { note: 'Thanks' }))
        .statusCode,
    ).toBe(200);
    await drainLog(t);
    const before = await moneySnapshot(t);
    for (const res of [
      await beneficiaryClient.post(`/api/acknowledgements/${code}`, { note: 'Again' }),
      await beneficiaryClient.request('POST', `/api/acknowledgements/${code}/photo`, samplePng, {
        'content-type': 'image/png',
      }),
    ]) {
      expect([res.statusCode, errorCode(res)]).toEqual([409, 'already_acknowledged']);
    }
    expect(await moneySnapshot(t)).toEqual(before);
    const ask = await beneficiaryClient.get(`/api/acknowledgements/${code}`);
    expect(ask.json().acknowledgedAt).not.toBeNull();
  });

  it('a budget change after publishing, with its reason, goes on the log as project.budget_changed', async () => {
    now = new Date('2026-11-27T02:00:00.000Z');
    const [books, transport] = b.project.budget;
    const res = await b.owner.patch(`/api/orgs/${b.orgId}/projects/${b.project.id}`, {
      budget: [
        { id: books!.id, label: 'Books', amount: 2_800_000 },
        { id: transport!.id, label: 'Transport', amount: 500_000 },
        { label: 'Bookshelves', amount: 200_000 },
      ],
      budgetChangeReason: 'The publisher lowered its price; the savings buy shelves.',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res.json().budget.map((l: { label: string; amount: number }) => [l.label, l.amount]),
    ).toEqual([
      ['Books', 2_800_000],
      ['Transport', 500_000],
      ['Bookshelves', 200_000],
    ]);
    await drainLog(t);
    const entries = await readEntries(t.database.db, 0, await currentSize(t.database.db));
    const changed = entries
      .map((e) => JSON.parse(new TextDecoder().decode(e.leaf)))
      .filter((e) => e.type === 'project.budget_changed' && e.data.projectId === b.project.id);
    expect(changed).toHaveLength(1);
    expect(changed[0].data).toMatchObject({
      orgId: b.orgId,
      reason: 'The publisher lowered its price; the savings buy shelves.',
      budget: [
        { id: books!.id, label: 'Books', amount: 2_800_000 },
        { id: transport!.id, label: 'Transport', amount: 500_000 },
        { label: 'Bookshelves', amount: 200_000 },
      ],
    });
    const page = (
      await t.app.inject({ method: 'GET', url: `/api/projects/${b.project.id}` })
    ).json();
    expect(page.events[0]).toMatchObject({ type: 'project.budget_changed' });
  });
});
