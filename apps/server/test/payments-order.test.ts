import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSize, readEntries } from '../src/ledger/read.js';
import type { PaymentEventKind } from '../src/payments/provider.js';
import { startTestApp, type TestApp } from './support/app.js';
import { holdOpen, lockWaiters } from './support/database.js';
import {
  drainLog,
  expectBooksAgree,
  moneySnapshot,
  paidDonationsDirect,
  providerCallback,
  publishedProject,
  startGuestDonation,
} from './support/money.js';

/**
 * A payment provider delivers its callbacks in any order, some more than once, several at a
 * time (Stripe says so). Whatever the order, a donation ends the same: a refund or dispute
 * that comes before its success is held and applied with it, a success after a failure still
 * credits, a refund and a dispute take the money back once, and nothing is left waiting that
 * could still apply (docs/money.md, "Payment callbacks in any order").
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const KINDS: readonly PaymentEventKind[] = [
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.disputed',
];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]),
  );
}

const outcomeOf = (res: { json(): unknown }) => (res.json() as { outcome: string }).outcome;

/** The log's events about one donation, in log order. */
async function loggedFor(donationId: string) {
  await drainLog(t);
  const db = t.database.db;
  const rows = await readEntries(db, 0, await currentSize(db));
  return rows
    .map((r) => JSON.parse(new TextDecoder().decode(r.leaf)))
    .filter((e) => e.data?.donationId === donationId);
}

/**
 * Everything that says how a donation ended, without what differs from one donation to the
 * next (ids, times, its place in the FIFO order, the donor's commitment).
 */
async function endState(donationId: string, eventIds: string[]) {
  const db = t.database.db;
  const d = await db
    .selectFrom('donations')
    .select(['status', 'refund_reason', 'allocated', 'paid_seq'])
    .where('id', '=', donationId)
    .executeTakeFirstOrThrow();
  const recorded = await db
    .selectFrom('payment_events')
    .select(['event_id', 'outcome', 'donation_id'])
    .where('provider', '=', 'sandbox')
    .where('event_id', 'in', eventIds)
    .execute();
  const log = (await loggedFor(donationId)).map((e) => {
    const { donationId: _id, projectId: _p, orgId: _o, paidSeq: _s, donor: _d, ...data } = e.data;
    return { type: e.type, v: e.v, data };
  });
  return {
    donation: { status: d.status, reason: d.refund_reason, allocated: d.allocated },
    paid: d.paid_seq !== null,
    log,
    // One row per event, each about this donation, none left waiting.
    recorded: recorded.length,
    settled: recorded.every(
      (r) => r.donation_id === donationId && !['pending', 'held'].includes(r.outcome),
    ),
    outcomes: recorded.map((r) => r.outcome).sort(),
  };
}

describe('payment callbacks in any order', () => {
  it('every order of succeeded, failed, refunded and disputed, each delivered 1–3 times, one after another or all at once, ends in the same state', async () => {
    const { project } = await publishedProject(t);
    const AMOUNT = 1000;
    const orders = permutations(KINDS);
    expect(orders).toHaveLength(24);
    // How often each callback is delivered, per order and way of delivering: drawn once,
    // from a fixed seed, so a failure replays.
    const times = fc.sample(fc.tuple(...KINDS.map(() => fc.integer({ min: 1, max: 3 }))), {
      numRuns: 2 * orders.length,
      seed: 15,
    });
    const runs = orders.flatMap((order, i) => [
      { order, times: times[2 * i]!, together: false },
      { order, times: times[2 * i + 1]!, together: true },
    ]);
    const started = await Promise.all(
      runs.map(() => startGuestDonation(t, project.id, AMOUNT).then((s) => s.donation.id)),
    );

    // Every donation at once; each one's callbacks in its order, the same event id for each
    // redelivery: one after another (awaited: this order exactly), or all together.
    const ids = runs.map((run, r) => {
      const id = started[r]!;
      const eventId = new Map(KINDS.map((k) => [k, `evt_${k}_${randomUUID()}`]));
      const deliveries = run.order.flatMap((kind) =>
        Array.from({ length: run.times[KINDS.indexOf(kind)]! }, () => kind),
      );
      const deliver = (kind: PaymentEventKind) =>
        providerCallback(t, kind, id, { eventId: eventId.get(kind)! }).then((res) => {
          expect(res.statusCode, res.body).toBe(200);
          return outcomeOf(res);
        });
      const done = run.together
        ? Promise.all(deliveries.map(deliver))
        : deliveries.reduce<Promise<string[]>>(
            async (prev, kind) => [...(await prev), await deliver(kind)],
            Promise.resolve([]),
          );
      return { id, eventIds: [...eventId.values()], done };
    });
    const answered = await Promise.all(ids.map((x) => x.done));
    answered.forEach((outcomes, r) => {
      const { order, together } = runs[r]!;
      const succeeded = order.indexOf('payment.succeeded');
      // Delivered one after another, a notice before the success had to be held.
      if (!together && order.slice(0, succeeded).some((k) => k !== 'payment.failed'))
        expect(outcomes).toContain('held');
    });
    for (const outcomes of answered) {
      // However the deliveries fell, one success credited and the money left once.
      expect(outcomes.filter((o) => o === 'credited')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'refunded').length).toBeLessThanOrEqual(1);
    }

    const states = await Promise.all(ids.map((x) => endState(x.id, x.eventIds)));
    const expected = {
      donation: { status: 'refunded', reason: 'chargeback', allocated: '0' },
      paid: true,
      log: [
        { type: 'donation.received', v: 1, data: { amount: AMOUNT, currency: 'CNY' } },
        { type: 'donation.refunded', v: 2, data: { amount: AMOUNT, currency: 'CNY', owed: 0 } },
      ],
      recorded: 4,
      settled: true,
      outcomes: expect.any(Array),
    };
    states.forEach((state, r) => {
      expect(
        state,
        `${runs[r]!.order.join(' → ')} ${runs[r]!.together ? 'together' : 'in order'}`,
      ).toEqual(expected);
      // Which notice took the money and which found it gone depends on the order; that the
      // success credited and exactly one notice took it back does not.
      expect(state.outcomes.filter((o) => o === 'credited')).toEqual(['credited']);
      expect(state.outcomes.filter((o) => o === 'refunded')).toEqual(['refunded']);
    });

    // The project: every donation raised and taken back, nothing owed, nothing left.
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({
      raised: runs.length * AMOUNT,
      refunded: runs.length * AMOUNT,
      owed: 0,
      unspent: 0,
      donations: runs.length,
    });
    const { n } = await t.database.db
      .selectFrom('payment_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('outcome', 'in', ['held', 'pending'])
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  }, 120_000);

  it('a refund that arrives before its success is held, changes nothing, and is applied in the success’s transaction', async () => {
    const { project } = await publishedProject(t);
    const { donation } = await startGuestDonation(t, project.id, 4200);
    const before = await moneySnapshot(t);
    const refundId = `evt_refund_${randomUUID()}`;
    const early = await providerCallback(t, 'payment.refunded', donation.id, { eventId: refundId });
    expect([early.statusCode, outcomeOf(early)]).toEqual([200, 'held']);
    expect(await moneySnapshot(t)).toEqual(before);
    const held = () =>
      t.database.db
        .selectFrom('payment_events')
        .select(['outcome', 'donation_id'])
        .where('event_id', '=', refundId)
        .executeTakeFirstOrThrow();
    expect(await held()).toEqual({ outcome: 'held', donation_id: donation.id });
    // Its redelivery is the same notice.
    expect(
      outcomeOf(await providerCallback(t, 'payment.refunded', donation.id, { eventId: refundId })),
    ).toBe('duplicate');

    const paid = await providerCallback(t, 'payment.succeeded', donation.id);
    expect(outcomeOf(paid)).toBe('credited');
    expect(await held()).toEqual({ outcome: 'refunded', donation_id: donation.id });
    const row = await t.database.db
      .selectFrom('donations')
      .select(['status', 'refund_reason', 'outbox_id', 'refund_outbox_id'])
      .where('id', '=', donation.id)
      .executeTakeFirstOrThrow();
    expect([row.status, row.refund_reason]).toEqual(['refunded', 'refund']);
    // Received, then taken back, by one transaction: the money was never spendable.
    expect(BigInt(row.refund_outbox_id!)).toBeGreaterThan(BigInt(row.outbox_id!));
    expect((await loggedFor(donation.id)).map((e) => e.type)).toEqual([
      'donation.received',
      'donation.refunded',
    ]);
    const page = (await t.app.inject({ method: 'GET', url: `/api/projects/${project.id}` })).json();
    expect(page.flow).toMatchObject({ raised: 4200, refunded: 4200, owed: 0, unspent: 0 });
    await expectBooksAgree(t);
  });

  it('a dispute and then a refund of a paid donation, or a refund and then a dispute: the money leaves once, and a chargeback is the reason either way', async () => {
    const { project } = await publishedProject(t);
    const [first, second] = await paidDonationsDirect(t, project.id, 2, 900);
    for (const [id, kinds] of [
      [first!, ['payment.disputed', 'payment.refunded']],
      [second!, ['payment.refunded', 'payment.disputed']],
    ] as const) {
      const outcomes = [];
      for (const kind of kinds) outcomes.push(outcomeOf(await providerCallback(t, kind, id)));
      expect(outcomes).toEqual(['refunded', 'already_refunded']);
    }
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['status', 'refund_reason'])
      .where('id', 'in', [first!, second!])
      .execute();
    expect(rows).toEqual([
      { status: 'refunded', refund_reason: 'chargeback' },
      { status: 'refunded', refund_reason: 'chargeback' },
    ]);
    for (const id of [first!, second!])
      expect((await loggedFor(id)).map((e) => e.type)).toEqual([
        'donation.received',
        'donation.refunded',
      ]);
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({ refunded: 1800, unspent: 0 });
  });

  it('a refund or dispute of a donation not yet paid, for the wrong amount, is not held', async () => {
    const { project } = await publishedProject(t);
    const { donation } = await startGuestDonation(t, project.id, 5000);
    const partial = await providerCallback(t, 'payment.refunded', donation.id, { amount: 1000 });
    expect(outcomeOf(partial)).toBe('amount_mismatch');
    expect(outcomeOf(await providerCallback(t, 'payment.succeeded', donation.id))).toBe('credited');
    const { status } = await t.database.db
      .selectFrom('donations')
      .select('status')
      .where('id', '=', donation.id)
      .executeTakeFirstOrThrow();
    expect(status).toBe('paid');
    await expectBooksAgree(t);
  });

  // Two connections: a transaction holds the donation's row as a credit in flight does, and
  // the refund and the success queue for it in either order (PGlite has one connection).
  it.runIf(process.env.TEST_DATABASE_URL)(
    'a refund and a success waiting for the same donation end the same whichever is let through first',
    async () => {
      const { project } = await publishedProject(t);
      const db = t.database.db;
      for (const refundFirst of [true, false]) {
        const { donation } = await startGuestDonation(t, project.id, 3300);
        // A transaction holds the donation's row, as a credit in flight does.
        const holder = await holdOpen(db, (tx) =>
          tx
            .selectFrom('donations')
            .select('id')
            .where('id', '=', donation.id)
            .forUpdate()
            .execute(),
        );
        const kinds: PaymentEventKind[] = refundFirst
          ? ['payment.refunded', 'payment.succeeded']
          : ['payment.succeeded', 'payment.refunded'];
        const answers: Promise<string>[] = [];
        for (const [i, kind] of kinds.entries()) {
          answers.push(providerCallback(t, kind, donation.id).then(outcomeOf));
          await lockWaiters(db, i + 1);
        }
        await holder.release();
        const outcomes = await Promise.all(answers);
        expect(outcomes).toEqual(refundFirst ? ['held', 'credited'] : ['credited', 'refunded']);
        const row = await db
          .selectFrom('donations')
          .select(['status', 'refund_reason'])
          .where('id', '=', donation.id)
          .executeTakeFirstOrThrow();
        expect(row).toEqual({ status: 'refunded', refund_reason: 'refund' });
        const recorded = await db
          .selectFrom('payment_events')
          .select('outcome')
          .where('donation_id', '=', donation.id)
          .orderBy('outcome')
          .execute();
        expect(recorded.map((r) => r.outcome)).toEqual(['credited', 'refunded']);
      }
      await expectBooksAgree(t);
    },
  );
});
