import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DonationRequest } from '../src/donations/create-donation.js';
import { AppError } from '../src/errors.js';
import { Client, errorCode, startTestApp, type TestApp } from './support/app.js';
import { expectBooksAgree, paidDonation, projectBody, publishedProject } from './support/money.js';

/**
 * One-off donations with a fresh Idempotency-Key are inserted together: requests that arrive
 * while an insert is in flight share the next one (with the sandbox, the payment goes in the
 * same statement). Whatever shares a batch, each request is answered exactly as it would be
 * alone: a retry, a reused key, a closed or unknown project, a row the database refuses.
 */
let t: TestApp;
let projectId: string;
let draftId: string;
beforeAll(async () => {
  t = await startTestApp();
  const published = await publishedProject(t);
  projectId = published.project.id;
  const draft = await published.owner.post(
    `/api/orgs/${published.orgId}/projects`,
    projectBody({ title: 'Not yet published' }),
  );
  draftId = (draft.json() as { id: string }).id;
});
afterAll(async () => {
  await t.close();
});

function request(overrides: Partial<DonationRequest> = {}): DonationRequest {
  return {
    projectId,
    amount: 1000,
    currency: 'CNY',
    frequency: 'once',
    anonymous: false,
    email: 'together@example.org',
    userId: null,
    idempotencyKey: randomUUID(),
    ...overrides,
  };
}

/** Started together: handed in before the event loop turns, they share one INSERT. */
function startTogether(requests: DonationRequest[]) {
  return Promise.allSettled(requests.map((r) => t.app.donations.start(r, t.app.clock())));
}

/** How many transactions wrote these rows (xmin): one means one statement. */
async function writers(ids: string[]) {
  const { rows } = await sql<{ n: string }>`
    select count(distinct xmin::text) as n from donations where id = any(${ids}::uuid[])`.execute(
    t.database.db,
  );
  return Number(rows[0]!.n);
}

describe('starting donations together', () => {
  it('concurrent requests over HTTP each get their own donation and payment, stored by few statements', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        new Client(t.app).request(
          'POST',
          `/api/projects/${projectId}/donations`,
          { amount: 100 + i, currency: 'CNY', email: `crowd${i}@example.org` },
          { 'idempotency-key': randomUUID() },
        ),
      ),
    );
    const started = answers.map((a) => {
      expect(a.statusCode, a.body).toBe(201);
      return a.json() as {
        donation: { id: string; amount: number; status: string };
        payment: { provider: string; checkoutUrl: string };
        accessToken: string;
      };
    });
    expect(started.map((s) => s.donation.amount)).toEqual(started.map((_, i) => 100 + i));
    const ids = started.map((s) => s.donation.id);
    expect(new Set(ids).size).toBe(60);
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['id', 'provider_ref', 'checkout_url', 'amount', 'donor_email', 'status'])
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [i, s] of started.entries()) {
      const row = byId.get(s.donation.id)!;
      expect(row).toMatchObject({
        amount: String(100 + i),
        donor_email: `crowd${i}@example.org`,
        status: 'pending',
        checkout_url: s.payment.checkoutUrl,
      });
      expect(row.provider_ref).toMatch(/^sbx_[0-9a-f]{32}$/);
      expect(s.payment.checkoutUrl).toBe(`/donate/pay/${s.donation.id}`);
    }
    expect(await writers(ids)).toBeLessThan(ids.length);

    // Each is payable through its own checkout, with its own token.
    const paid = await Promise.all(
      started.slice(0, 5).map((s) =>
        new Client(t.app).post(`/api/payments/sandbox/${s.donation.id}/pay`, {
          token: s.accessToken,
          outcome: 'succeeded',
        }),
      ),
    );
    expect(paid.map((p) => (p.json() as { outcome: string }).outcome)).toEqual(
      Array(5).fill('credited'),
    );
    await expectBooksAgree(t);
  });

  it('in one batch, a retry, a reused key, a draft and an unknown project are answered as they would be alone', async () => {
    const key = randomUUID();
    const reused = randomUUID();
    const results = await startTogether([
      request({ idempotencyKey: key }),
      request({ amount: 2000 }),
      request({ idempotencyKey: key }),
      request({ idempotencyKey: reused }),
      request({ idempotencyKey: reused, amount: 9999 }),
      request({ projectId: draftId }),
      request({ projectId: randomUUID() }),
    ]);
    const value = (i: number) => (results[i] as PromiseFulfilledResult<{ created: boolean }>).value;
    const code = (i: number) => ((results[i] as PromiseRejectedResult).reason as AppError).code;
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect([value(0).created, value(1).created, value(2).created, value(3).created]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    // The retry gets the first request's donation and payment.
    expect(value(2)).toEqual({ ...value(0), created: false });
    expect([code(4), code(5), code(6)]).toEqual([
      'idempotency_key_reused',
      'project_not_open',
      'not_found',
    ]);
    const keys = await t.database.db
      .selectFrom('donations')
      .select('idempotency_key')
      .where('idempotency_key', 'in', [key, reused])
      .execute();
    expect(keys).toHaveLength(2);
  });

  it('a row the database refuses fails only its own request; the others in its batch are created', async () => {
    // A signed-in donor whose account is gone by the time the row is written: a foreign key.
    const ghost = randomUUID();
    const results = await startTogether([
      request(),
      request({ userId: ghost, email: null }),
      request(),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(AppError);
    const ids = [results[0], results[2]].map(
      (r) => (r as PromiseFulfilledResult<{ donation: { id: string } }>).value.donation.id,
    );
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['id', 'provider_ref'])
      .where('id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(2);
    expect(
      await t.database.db
        .selectFrom('donations')
        .select('id')
        .where('donor_user_id', '=', ghost)
        .execute(),
    ).toEqual([]);
  });

  it('a monthly donation still takes its own path and is paid like any other', async () => {
    const donor = await new Client(t.app).signUp(`monthly-${randomUUID()}@example.org`);
    const started = await donor.request(
      'POST',
      `/api/projects/${projectId}/donations`,
      { amount: 3000, currency: 'CNY', frequency: 'monthly' },
      { 'idempotency-key': randomUUID() },
    );
    expect(started.statusCode, started.body).toBe(201);
    expect((started.json() as { donation: { frequency: string } }).donation.frequency).toBe(
      'monthly',
    );
    const refused = await new Client(t.app).request(
      'POST',
      `/api/projects/${draftId}/donations`,
      { amount: 3000, currency: 'CNY', email: 'x@example.org' },
      { 'idempotency-key': randomUUID() },
    );
    expect([refused.statusCode, errorCode(refused)]).toEqual([409, 'project_not_open']);
    await paidDonation(t, projectId, 700);
    await expectBooksAgree(t);
  });
});
