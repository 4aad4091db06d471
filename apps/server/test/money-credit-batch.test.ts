import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditAll } from '../src/donations/credit-batch.js';
import type { PaymentEvent } from '../src/payments/provider.js';
import { signSandboxCallback } from '../src/payments/sandbox.js';
import { startTestApp, type TestApp, testSandboxSecret } from './support/app.js';
import { holdOpen, lockWaiters } from './support/database.js';
import {
  expectBooksAgree,
  moneySnapshot,
  publishedProject,
  startGuestDonation,
} from './support/money.js';

/**
 * Successes are credited in batches: callbacks that arrive while a credit transaction is in
 * flight are credited together by the next one. Whatever shares a batch, each callback is
 * settled exactly as it would be alone, each caller hears its own outcome, and a batch that
 * fails as a whole is retried callback by callback, so one bad callback fails only itself.
 */
let t: TestApp;
let projectId: string;
beforeAll(async () => {
  t = await startTestApp();
  projectId = (await publishedProject(t)).project.id;
});
afterAll(async () => {
  await t.close();
});

interface Pending {
  id: string;
  providerRef: string;
  amount: number;
}

/** `count` pending donations started through the API, all at once (as a campaign's peak). */
async function pendingDonations(count: number, amount = 1000): Promise<Pending[]> {
  const started = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/projects/${projectId}/donations`,
        payload: { amount: amount + i, currency: 'CNY', email: `batch${i}@example.org` },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { donation: { id: string } }).donation.id;
    }),
  );
  const rows = await t.database.db
    .selectFrom('donations')
    .select(['id', 'provider_ref', 'amount'])
    .where('id', 'in', started)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return started.map((id) => {
    const row = byId.get(id)!;
    return { id, providerRef: row.provider_ref!, amount: Number(row.amount) };
  });
}

function succeeded(d: Pending, overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    eventId: `evt_${randomUUID()}`,
    kind: 'payment.succeeded',
    providerRef: d.providerRef,
    donationId: d.id,
    amount: d.amount,
    currency: 'CNY',
    occurredAt: t.app.clock(),
    ...overrides,
  };
}

/** The callbacks applied together: handed in by one tick, they go in one batch. */
function applyTogether(events: PaymentEvent[]) {
  return Promise.allSettled(events.map((e) => t.app.donations.applyPayment(e, t.app.clock())));
}

function webhook(event: PaymentEvent) {
  const signed = signSandboxCallback(testSandboxSecret, event, t.app.clock());
  return t.app.inject({
    method: 'POST',
    url: '/api/payments/webhooks/sandbox',
    payload: signed.body,
    headers: signed.headers,
  });
}

async function statuses(ids: string[]) {
  const rows = await t.database.db
    .selectFrom('donations')
    .select(['id', 'status'])
    .where('id', 'in', ids)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
}

/** How many transactions last wrote these donations (xmin): fewer than rows means batches. */
async function writers(ids: string[]) {
  const { rows } = await sql<{ n: string }>`
    select count(distinct xmin::text) as n from donations where id = any(${ids}::uuid[])`.execute(
    t.database.db,
  );
  return Number(rows[0]!.n);
}

async function recordedOutcomes(eventIds: string[]) {
  const rows = await t.database.db
    .selectFrom('payment_events')
    .select(['event_id', 'outcome', 'donation_id'])
    .where('provider', '=', 'sandbox')
    .where('event_id', 'in', eventIds)
    .execute();
  return new Map(rows.map((r) => [r.event_id, r]));
}

describe('crediting in batches', () => {
  it('300 callbacks for 150 donations at once, each delivered twice, credit each donation exactly once and tell every caller its own outcome', async () => {
    const donations = await pendingDonations(150);
    const events = donations.map((d) => succeeded(d));
    // Each callback twice: the second copy half the run after the first.
    const deliveries = events.flatMap((e, i) => [e, events[(i + 75) % events.length]!]);
    expect(deliveries).toHaveLength(300);
    const answers = await Promise.all(deliveries.map(webhook));

    const byEvent = new Map<string, string[]>();
    deliveries.forEach((e, i) => {
      expect(answers[i]!.statusCode, answers[i]!.body).toBe(200);
      const seen = byEvent.get(e.eventId) ?? [];
      seen.push((answers[i]!.json() as { outcome: string }).outcome);
      byEvent.set(e.eventId, seen);
    });
    for (const e of events)
      expect(byEvent.get(e.eventId)!.sort()).toEqual(['credited', 'duplicate']);

    const ids = donations.map((d) => d.id);
    expect(Object.values(await statuses(ids))).toEqual(ids.map(() => 'paid'));
    const recorded = await recordedOutcomes(events.map((e) => e.eventId));
    for (const [i, e] of events.entries()) {
      expect(recorded.get(e.eventId)).toEqual({
        event_id: e.eventId,
        outcome: 'credited',
        donation_id: donations[i]!.id,
      });
    }
    // Credited together: far fewer transactions than donations.
    expect(await writers(ids)).toBeLessThan(ids.length);
    await expectBooksAgree(t);
  });

  it('two different success notices for one donation in one batch: one credits, the other is not_pending', async () => {
    const [d] = await pendingDonations(1);
    const results = await applyTogether([succeeded(d!), succeeded(d!)]);
    expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual([
      { outcome: 'credited', donationId: d!.id },
      { outcome: 'not_pending', donationId: d!.id },
    ]);
    await expectBooksAgree(t);
  });

  it('a batch with a wrong amount, a wrong currency, an unknown payment and a replay credits the others and changes nothing for those', async () => {
    const [a, b, c, mismatched, wrongCurrency, replayed] = await pendingDonations(6, 2000);
    const first = succeeded(replayed!);
    expect(await t.app.donations.applyPayment(first, t.app.clock())).toEqual({
      outcome: 'credited',
      donationId: replayed!.id,
    });
    const events = [
      succeeded(a!),
      succeeded(mismatched!, { amount: mismatched!.amount - 1 }),
      succeeded(b!),
      succeeded(wrongCurrency!, { currency: 'USD' }),
      succeeded(a!, { providerRef: `sbx_${randomUUID()}`, donationId: randomUUID() }),
      first,
      succeeded(c!),
    ];
    const results = await applyTogether(events);
    expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual([
      { outcome: 'credited', donationId: a!.id },
      { outcome: 'amount_mismatch', donationId: mismatched!.id },
      { outcome: 'credited', donationId: b!.id },
      { outcome: 'amount_mismatch', donationId: wrongCurrency!.id },
      { outcome: 'unknown_donation', donationId: null },
      { outcome: 'duplicate', donationId: null },
      { outcome: 'credited', donationId: c!.id },
    ]);
    expect(await statuses([a!.id, b!.id, c!.id, mismatched!.id, wrongCurrency!.id])).toEqual({
      [a!.id]: 'paid',
      [b!.id]: 'paid',
      [c!.id]: 'paid',
      [mismatched!.id]: 'pending',
      [wrongCurrency!.id]: 'pending',
    });
    expect(await writers([a!.id, b!.id, c!.id])).toBe(1);
    const recorded = await recordedOutcomes(events.map((e) => e.eventId));
    expect(events.map((e) => recorded.get(e.eventId)?.outcome)).toEqual([
      'credited',
      'amount_mismatch',
      'credited',
      'amount_mismatch',
      'unknown_donation',
      'credited', // the replay recorded nothing: the first delivery's outcome stands
      'credited',
    ]);

    // The mismatched ones are still payable by a correct callback.
    const later = await applyTogether([succeeded(mismatched!), succeeded(wrongCurrency!)]);
    expect(later.map((r) => r.status === 'fulfilled' && r.value.outcome)).toEqual([
      'credited',
      'credited',
    ]);
    await expectBooksAgree(t);
  });

  it('a batch whose transaction fails is retried callback by callback: the good ones are credited, only the bad one is refused', async () => {
    const [a, bad, b, c] = await pendingDonations(4, 3000);
    const db = t.database.db;
    // Behind the code's back: marking this one donation paid breaks, and each refusal is
    // counted (a sequence survives the rollback).
    await sql`create sequence test_refusals`.execute(db);
    await sql
      .raw(`create function test_refuse_paid() returns trigger language plpgsql as $$
        begin
          if new.id = '${bad!.id}' and new.status = 'paid' then
            perform nextval('test_refusals');
            raise exception 'refused for the test';
          end if;
          return new;
        end $$`)
      .execute(db);
    await sql`create trigger test_refuse_paid before update on donations
      for each row execute function test_refuse_paid()`.execute(db);
    try {
      const before = await moneySnapshot(t);
      const events = [succeeded(a!), succeeded(bad!), succeeded(b!), succeeded(c!)];
      const results = await applyTogether(events);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/refused for the test/);
      for (const [i, d] of [a, null, b, c].entries()) {
        if (d)
          expect((results[i] as PromiseFulfilledResult<unknown>).value).toEqual({
            outcome: 'credited',
            donationId: d.id,
          });
      }
      // Refused twice: in the batch, then alone.
      const { rows } = await sql<{
        n: string;
      }>`select last_value::text as n from test_refusals`.execute(db);
      expect(rows[0]!.n).toBe('2');
      expect(await statuses([a!.id, bad!.id, b!.id, c!.id])).toEqual({
        [a!.id]: 'paid',
        [bad!.id]: 'pending',
        [b!.id]: 'paid',
        [c!.id]: 'paid',
      });
      // Nothing of the refused callback was kept, not even its record: a redelivery is fresh.
      expect((await recordedOutcomes([events[1]!.eventId])).size).toBe(0);
      const after = await moneySnapshot(t);
      expect(after.counts).toEqual(before.counts);
      expect(after.events - before.events).toBe(3);

      await sql`drop trigger test_refuse_paid on donations`.execute(db);
      const again = await applyTogether([events[1]!]);
      expect(again[0]).toEqual({
        status: 'fulfilled',
        value: { outcome: 'credited', donationId: bad!.id },
      });
    } finally {
      await sql`drop trigger if exists test_refuse_paid on donations`.execute(db);
      await sql`drop function if exists test_refuse_paid()`.execute(db);
      await sql`drop sequence if exists test_refusals`.execute(db);
    }
    await expectBooksAgree(t);
  });

  // Two connections: one holds the lock the batch waits for (PGlite has only one).
  it.runIf(process.env.TEST_DATABASE_URL)(
    'a donation paid by another transaction while the batch waits for its lock is not_pending, one marked failed meanwhile is still credited; the rest of the batch is credited',
    async () => {
      const [a, contested, failed] = await pendingDonations(3, 4000);
      const db = t.database.db;
      const other = await holdOpen(db, async (tx) => {
        await creditAll(tx, 'sandbox', [{ event: succeeded(contested!), now: t.app.clock() }]);
        await tx
          .updateTable('donations')
          .set({ status: 'failed' })
          .where('id', '=', failed!.id)
          .execute();
      });
      const applying = applyTogether([succeeded(a!), succeeded(contested!), succeeded(failed!)]);
      // Until the batch is waiting for those rows' locks.
      await lockWaiters(db, 1);
      await other.release();
      const results = await applying;
      expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual([
        { outcome: 'credited', donationId: a!.id },
        { outcome: 'not_pending', donationId: contested!.id },
        { outcome: 'credited', donationId: failed!.id },
      ]);
      expect(await statuses([a!.id, contested!.id, failed!.id])).toEqual({
        [a!.id]: 'paid',
        [contested!.id]: 'paid',
        [failed!.id]: 'paid',
      });
      await expectBooksAgree(t);
    },
  );

  it('a first monthly payment credited in a batch activates its schedule a month on', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/projects/${projectId}/donations`,
      payload: {
        amount: 1500,
        currency: 'CNY',
        email: 'monthly@example.org',
        frequency: 'monthly',
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.statusCode, res.body).toBe(201);
    const monthlyId = (res.json() as { donation: { id: string } }).donation.id;
    const row = await t.database.db
      .selectFrom('donations')
      .select(['provider_ref', 'recurring_id'])
      .where('id', '=', monthlyId)
      .executeTakeFirstOrThrow();
    const [other] = await pendingDonations(1);
    const now = t.app.clock();
    const monthly = { id: monthlyId, providerRef: row.provider_ref!, amount: 1500 };
    const results = await applyTogether([succeeded(other!), succeeded(monthly)]);
    expect(results.map((r) => r.status === 'fulfilled' && r.value.outcome)).toEqual([
      'credited',
      'credited',
    ]);
    const schedule = await t.database.db
      .selectFrom('recurring_donations')
      .select(['status', 'next_charge_at'])
      .where('id', '=', row.recurring_id!)
      .executeTakeFirstOrThrow();
    expect(schedule.status).toBe('active');
    expect(schedule.next_charge_at.getUTCMonth()).toBe((now.getUTCMonth() + 1) % 12);
    await expectBooksAgree(t);
  });

  it('sandbox checkouts paid at once share their reads, yet each is answered for its own token', async () => {
    const started = await Promise.all(
      Array.from({ length: 30 }, (_, i) => startGuestDonation(t, projectId, 2000 + i)),
    );
    // 20 with their own token, 5 with another donation's token, 5 with a made-up one.
    const tokenFor = (i: number) =>
      i < 20 ? started[i]!.accessToken : i < 25 ? started[i - 10]!.accessToken : 'x'.repeat(43);
    const answers = await Promise.all(
      started.map((d, i) =>
        t.app.inject({
          method: 'POST',
          url: `/api/payments/sandbox/${d.donation.id}/pay`,
          payload: { token: tokenFor(i), outcome: 'succeeded' },
        }),
      ),
    );
    for (const [i, res] of answers.entries()) {
      if (i < 20) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({
          outcome: 'credited',
          donationId: started[i]!.donation.id,
        });
      } else {
        expect(res.statusCode, res.body).toBe(404);
        expect(res.json()).toMatchObject({ error: { code: 'invalid_token' } });
      }
    }
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['id', 'status'])
      .where(
        'id',
        'in',
        started.map((d) => d.donation.id),
      )
      .execute();
    const status = new Map(rows.map((r) => [r.id, r.status]));
    started.forEach((d, i) => {
      expect(status.get(d.donation.id), `donation ${i}`).toBe(i < 20 ? 'paid' : 'pending');
    });
    await expectBooksAgree(t);
  });
});
