import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { checkBooks } from '../../src/books/check-books.js';
import { creditBatch } from '../../src/donations/credit-batch.js';
import {
  accessToken,
  hashToken,
  newDonorSecret,
  shardOf,
} from '../../src/donations/donor-secret.js';
import { pendingEvents } from '../../src/ledger/read.js';
import type { PaymentEventKind } from '../../src/payments/provider.js';
import { type SandboxCallbackEvent, signSandboxCallback } from '../../src/payments/sandbox.js';
import { FUND_SHARDS } from '../../src/projects/money.js';
import { demoPhotoPng } from '../../src/seed/demo-files.js';
import { Client, createStaff, sampleOrg, type TestApp, testSandboxSecret } from './app.js';

/** A one-page PDF and a 1×1 PNG: real files, small enough to inline. */
export const samplePdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);
export const samplePng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A real 16×16 baseline JPEG (543 bytes): CPython's test image Lib/test/imghdrdata/python.jpg
 * (Python Software Foundation License).
 */
export const sampleJpeg = Buffer.from(
  '/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z',
  'base64',
);

/** A real PDF whose bytes (so whose hash) no other call returns: `tag` is in a comment line. */
export function uniquePdf(tag: string | number): Buffer {
  return Buffer.concat([Buffer.from(`%PDF-1.4\n%${tag}\n`), samplePdf.subarray(9)]);
}

/** A real PNG whose bytes differ for each seed (a small painted "photo"). */
export const uniquePng = (seed: number) => demoPhotoPng(8, 6, seed);

let counter = 0;

/** A verified charity with its owner signed in. */
export async function verifiedCharity(t: TestApp, tag = `c${++counter}${Date.now() % 100000}`) {
  const owner = await new Client(t.app).signUp(`owner-${tag}@example.org`);
  const org = (await owner.post('/api/orgs', sampleOrg(tag))).json() as { id: string };
  const admin = await createStaff(t, `admin-${tag}@example.org`, 'admin');
  const verified = await admin.post(`/api/admin/orgs/${org.id}/verify`);
  expect(verified.statusCode).toBe(200);
  return { owner, orgId: org.id };
}

export function projectBody(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Textbooks for Hillside School',
    summary: 'New textbooks for 120 pupils of a village school.',
    story: 'The school has used the same books for ten years. We will buy a full set.',
    cause: 'education',
    city: 'Kunming',
    region: 'Yunnan',
    beneficiaryDescription: 'Hillside Primary School, 120 pupils',
    goal: { amount: 3_500_000, currency: 'CNY' },
    budget: [
      { label: 'Books', amount: 3_000_000 },
      { label: 'Transport', amount: 500_000 },
    ],
    startDate: '2026-01-01',
    endDate: '2027-06-30',
    ...overrides,
  };
}

export interface Project {
  id: string;
  orgId: string;
  budget: { id: string; label: string; amount: number }[];
}

/** A published project of a fresh verified charity. */
export async function publishedProject(t: TestApp, overrides: Record<string, unknown> = {}) {
  const { owner, orgId } = await verifiedCharity(t);
  const created = await owner.post(`/api/orgs/${orgId}/projects`, projectBody(overrides));
  expect(created.statusCode, created.body).toBe(201);
  const project = created.json() as Project;
  const published = await owner.post(`/api/orgs/${orgId}/projects/${project.id}/publish`);
  expect(published.statusCode, published.body).toBe(200);
  return { owner, orgId, project: published.json() as Project };
}

/** Starts a guest donation; returns the API's answer. */
export async function startGuestDonation(
  t: TestApp,
  projectId: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const guest = new Client(t.app);
  const res = await guest.request(
    'POST',
    `/api/projects/${projectId}/donations`,
    { amount, currency: 'CNY', email: 'guest@example.org', ...extra },
    { 'idempotency-key': randomUUID() },
  );
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    donation: { id: string };
    accessToken: string;
    payment: { checkoutUrl: string };
  };
}

/** A paid guest donation: started, then confirmed through the sandbox's signed callback. */
export async function paidDonation(
  t: TestApp,
  projectId: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const started = await startGuestDonation(t, projectId, amount, extra);
  const paid = await new Client(t.app).post(`/api/payments/sandbox/${started.donation.id}/pay`, {
    token: started.accessToken,
    outcome: 'succeeded',
  });
  expect(paid.statusCode, paid.body).toBe(200);
  expect(paid.json()).toMatchObject({ outcome: 'credited' });
  return started;
}

/** Uploads a file as a charity member; returns its hash. */
export async function upload(client: Client, orgId: string, bytes: Buffer, type: string) {
  const res = await client.request('POST', `/api/orgs/${orgId}/files`, bytes, {
    'content-type': type,
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { sha256: string }).sha256;
}

export async function beneficiary(client: Client, orgId: string, kind = 'school') {
  const res = await client.post(`/api/orgs/${orgId}/beneficiaries`, {
    name: 'Hillside Primary School',
    kind,
    region: 'Yunnan',
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

/**
 * Waits until the sequencer has put every queued event on the log: no outbox row (they are
 * kept for good, each the log entry once sequenced) without a log index.
 */
export async function drainLog(t: TestApp) {
  for (let i = 0; i < 400; i++) {
    if ((await pendingEvents(t.database.db)) === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the log did not drain');
}

/**
 * Sends the payment provider's signed callback for a donation through the real webhook route,
 * as the provider's server would: `kind` and, unless overridden, the donation's own payment
 * reference, amount and currency. Returns the route's answer.
 */
export async function providerCallback(
  t: TestApp,
  kind: PaymentEventKind,
  donationId: string,
  overrides: Partial<SandboxCallbackEvent> & { secret?: string; at?: Date } = {},
) {
  const d = await t.database.db
    .selectFrom('donations')
    .select(['provider_ref', 'amount', 'currency'])
    .where('id', '=', donationId)
    .executeTakeFirstOrThrow();
  const { secret = testSandboxSecret, at = t.app.clock(), ...event } = overrides;
  const signed = signSandboxCallback(
    secret,
    {
      kind,
      providerRef: d.provider_ref!,
      donationId,
      amount: Number(d.amount),
      currency: d.currency,
      ...event,
    },
    at,
  );
  return t.app.inject({
    method: 'POST',
    url: '/api/payments/webhooks/sandbox',
    payload: signed.body,
    headers: signed.headers,
  });
}

/**
 * `count` paid guest donations of `amount` fen each, made one after the other (so paid in
 * this order) through the same domain functions the routes call: app.donations.start, then
 * the provider's succeeded event through app.donations.applyPayment. Thousands in seconds, where HTTP
 * round trips would take minutes. Returns their ids, oldest first.
 */
export async function paidDonationsDirect(
  t: TestApp,
  projectId: string,
  count: number,
  amount: number,
): Promise<string[]> {
  const db = t.database.db;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const now = t.app.clock();
    const started = await t.app.donations.start(
      {
        projectId,
        amount,
        currency: 'CNY',
        frequency: 'once',
        anonymous: true,
        email: `bulk${i}@example.org`,
        userId: null,
        idempotencyKey: randomUUID(),
      },
      now,
    );
    const { provider_ref } = await db
      .selectFrom('donations')
      .select('provider_ref')
      .where('id', '=', started.donation.id)
      .executeTakeFirstOrThrow();
    const paid = await t.app.donations.applyPayment(
      {
        eventId: `evt_bulk_${randomUUID()}`,
        kind: 'payment.succeeded',
        providerRef: provider_ref!,
        donationId: started.donation.id,
        amount,
        currency: 'CNY',
        occurredAt: now,
      },
      now,
    );
    if (paid.outcome !== 'credited') throw new Error(`donation ${i}: ${paid.outcome}`);
    ids.push(started.donation.id);
  }
  return ids;
}

/** Records a disbursement through the API as `client`; returns the raw answer. */
export function disburse(
  client: Client,
  p: { orgId: string; projectId: string; budgetLineId: string },
  body: {
    amount: number;
    beneficiaryId: string;
    evidence: string[];
    date?: string;
    currency?: string;
    purpose?: string;
  },
) {
  return client.post(`/api/orgs/${p.orgId}/projects/${p.projectId}/disbursements`, {
    amount: body.amount,
    currency: body.currency ?? 'CNY',
    budgetLineId: p.budgetLineId,
    beneficiaryId: body.beneficiaryId,
    purpose: body.purpose ?? 'Textbooks',
    date: body.date ?? client.app.clock().toISOString().slice(0, 10),
    evidence: body.evidence.map((sha256) => ({ sha256, kind: 'invoice' })),
  });
}

/** Waits for the log, replays it, and expects the books and the database to agree in full. */
export async function expectBooksAgree(t: TestApp) {
  await drainLog(t);
  const check = await checkBooks(t.database.db);
  expect(check.violations).toEqual([]);
  expect(check.invariants).toEqual([]);
  expect(check.differences).toEqual([]);
  return check.books;
}

/**
 * Everything money-related in the store, to show a refused request changed nothing: row
 * counts, every balance and allocation, donation states, and the events queued or logged.
 */
export async function moneySnapshot(t: TestApp) {
  const db = t.database.db;
  const count = (table: CountedTable) =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  const tables = [
    'projects',
    'project_budget_lines',
    'beneficiaries',
    'donations',
    'recurring_donations',
    'disbursements',
    'disbursement_evidence',
    'allocations',
    'files',
    'project_events',
  ] as const satisfies readonly CountedTable[];
  const counts = Object.fromEntries(
    await Promise.all(tables.map(async (table) => [table, await count(table)] as const)),
  );
  const [funds, donations, projects, lines, events] = await Promise.all([
    db
      .selectFrom('project_funds')
      .select(['project_id', 'shard', 'raised', 'refunded', 'balance', 'donations'])
      .orderBy('project_id')
      .orderBy('shard')
      .execute(),
    db
      .selectFrom('donations')
      .select(['id', 'status', 'allocated', 'paid_seq'])
      .orderBy('id')
      .execute(),
    db
      .selectFrom('projects')
      .select(['id', 'status', 'title', 'goal_amount', 'disbursed', 'updated_at'])
      .orderBy('id')
      .execute(),
    db
      .selectFrom('project_budget_lines')
      .select(['id', 'project_id', 'label', 'amount', 'removed', 'position'])
      .orderBy('id')
      .execute(),
    // Outbox rows are kept for good (each is the log entry once sequenced): their count is
    // the events queued and logged together.
    sql<{ n: string }>`select count(*) as n from ledger_outbox`
      .execute(db)
      .then((r) => Number(r.rows[0]!.n)),
  ]);
  const stored: string[] = [];
  for await (const sha of t.app.files.list()) stored.push(sha);
  // Queued and logged events together: an outbox row stays when the sequencer logs it.
  return { counts, funds, donations, projects, lines, events, stored };
}

type CountedTable =
  | 'projects'
  | 'project_budget_lines'
  | 'beneficiaries'
  | 'donations'
  | 'recurring_donations'
  | 'disbursements'
  | 'disbursement_evidence'
  | 'allocations'
  | 'files'
  | 'project_events';

/**
 * Pending donations of `amount` fen written straight into the store, a few INSERTs for
 * thousands (the rows startDonation writes, with payment `sbx_bulk_<id>`), without the rules
 * that start a donation: for bulk set-ups, and for what an operator bypassing them would write.
 */
export async function insertPendingDonations(
  t: TestApp,
  projectId: string,
  ids: readonly string[],
  amount: number,
  at: Date,
) {
  const db = t.database.db;
  const { org_id } = await db
    .selectFrom('projects')
    .select('org_id')
    .where('id', '=', projectId)
    .executeTakeFirstOrThrow();
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .insertInto('donations')
      .values(
        ids.slice(i, i + 500).map((id) => {
          const secret = newDonorSecret();
          return {
            id,
            project_id: projectId,
            org_id,
            amount,
            currency: 'CNY',
            status: 'pending' as const,
            donor_email: 'bulk@example.org',
            anonymous: true,
            idempotency_key: `bulk-${id}`,
            request_hash: 'bulk',
            provider: 'sandbox',
            provider_ref: `sbx_bulk_${id}`,
            shard: shardOf(id, FUND_SHARDS),
            donor_secret: secret,
            access_token_hash: hashToken(accessToken(secret)),
            created_at: at,
          };
        }),
      )
      .execute();
  }
}

/**
 * Credits donations written by insertPendingDonations through the one credit path
 * (creditBatch: shard, paidSeq, donation.received), a hundred per transaction, in this order.
 */
export async function creditInserted(
  t: TestApp,
  ids: readonly string[],
  amount: number,
  now: Date,
) {
  for (let i = 0; i < ids.length; i += 100) {
    const callbacks = ids.slice(i, i + 100).map((id) => ({
      event: {
        eventId: `evt_bulk_${id}`,
        kind: 'payment.succeeded' as const,
        providerRef: `sbx_bulk_${id}`,
        donationId: id,
        amount,
        currency: 'CNY',
        occurredAt: now,
      },
      now,
    }));
    const results = await creditBatch(t.database.db, 'sandbox', callbacks);
    for (const r of results) {
      if (typeof r === 'symbol' || !('value' in r) || r.value.outcome !== 'credited')
        throw new Error(`bulk credit: ${typeof r === 'symbol' ? 'LATER' : JSON.stringify(r)}`);
    }
  }
}

/**
 * Like paidDonationsDirect for thousands: pending rows written in a few INSERTs
 * (insertPendingDonations) and credited by the one credit path (creditInserted). Returns
 * their ids, oldest first.
 */
export async function paidDonationsBulk(
  t: TestApp,
  projectId: string,
  count: number,
  amount: number,
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const now = t.app.clock();
  await insertPendingDonations(t, projectId, ids, amount, now);
  await creditInserted(t, ids, amount, now);
  return ids;
}
