import { verifyReceipt } from '@goodtrace/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOCATIONS_PER_EVENT } from '../src/ledger/events.js';
import { currentSize, readEntries } from '../src/ledger/read.js';
import { errorCode, startTestApp, type TestApp, testLogOrigin } from './support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  expectBooksAgree,
  moneySnapshot,
  paidDonation,
  paidDonationsBulk,
  paidDonationsDirect,
  providerCallback,
  publishedProject,
  samplePdf,
  upload,
} from './support/money.js';

/**
 * FIFO allocation end to end: disbursements recorded through the API take the oldest
 * unallocated donations first, and after every step the log replayed by packages/books agrees
 * with the database (checkBooks: no rule violations, invariants hold, no differences).
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** A published project with a payee and an uploaded invoice, ready to spend from. */
async function spendableProject() {
  const { owner, orgId, project } = await publishedProject(t);
  const payee = await beneficiary(owner, orgId);
  const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
  const target = { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id };
  const spend = (amount: number) =>
    disburse(owner, target, { amount, beneficiaryId: payee, evidence: [invoice] });
  return { owner, orgId, project, spend };
}

async function allocatedOf(ids: string[]) {
  const rows = await t.database.db
    .selectFrom('donations')
    .select(['id', 'allocated', 'status'])
    .where('id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, Number(r.allocated)]));
  return ids.map((id) => byId.get(id));
}

async function projectPage(projectId: string) {
  return (await t.app.inject({ method: 'GET', url: `/api/projects/${projectId}` })).json() as {
    raised: number;
    spent: number;
    unspent: number;
    flow: { raised: number; refunded: number; owed: number; unspent: number };
  };
}

async function logged(type: string, key: string, value: string) {
  await drainLog(t);
  const db = t.database.db;
  const rows = await readEntries(db, 0, await currentSize(db));
  return rows
    .map((r) => ({
      index: Number(r.idx),
      size: r.leaf.length,
      event: JSON.parse(new TextDecoder().decode(r.leaf)),
    }))
    .filter((e) => e.event.type === type && e.event.data[key] === value);
}

describe('FIFO allocation of donations to disbursements', () => {
  it('a disbursement takes part of the oldest donation, and the next one takes the rest before touching a newer one', async () => {
    const { project, spend } = await spendableProject();
    const a = (await paidDonation(t, project.id, 3000)).donation.id;
    const b = (await paidDonation(t, project.id, 2000)).donation.id;

    const first = await spend(1000);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().allocations).toEqual([{ donationId: a, amount: 1000 }]);
    expect(await allocatedOf([a, b])).toEqual([1000, 0]);
    await expectBooksAgree(t);

    const second = await spend(2500);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().allocations).toEqual([
      { donationId: a, amount: 2000 },
      { donationId: b, amount: 500 },
    ]);
    expect(await allocatedOf([a, b])).toEqual([3000, 500]);
    await expectBooksAgree(t);

    const third = await spend(1500);
    expect(third.json().allocations).toEqual([{ donationId: b, amount: 1500 }]);
    expect(await allocatedOf([a, b])).toEqual([3000, 2000]);
    expect(await projectPage(project.id)).toMatchObject({ raised: 5000, spent: 5000, unspent: 0 });

    // Nothing left: one fen more is refused and changes nothing.
    const before = await moneySnapshot(t);
    const over = await spend(1);
    expect([over.statusCode, errorCode(over)]).toEqual([409, 'insufficient_funds']);
    expect(await moneySnapshot(t)).toEqual(before);
    await expectBooksAgree(t);
  });

  it('a disbursement spanning many donations uses each in full, in the order they were paid', async () => {
    const { project, spend } = await spendableProject();
    const amounts = Array.from({ length: 30 }, (_, i) => 100 * ((i % 7) + 1));
    const ids: string[] = [];
    for (const amount of amounts)
      ids.push(...(await paidDonationsDirect(t, project.id, 1, amount)));
    // The first 20 in full and half of the 21st.
    const total = amounts.slice(0, 20).reduce((s, x) => s + x, 0) + amounts[20]! / 2;
    const res = await spend(total);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().allocations).toEqual([
      ...ids.slice(0, 20).map((donationId, i) => ({ donationId, amount: amounts[i] })),
      { donationId: ids[20], amount: amounts[20]! / 2 },
    ]);
    expect(await allocatedOf(ids)).toEqual([
      ...amounts.slice(0, 20),
      amounts[20]! / 2,
      ...amounts.slice(21).map(() => 0),
    ]);
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({
      disbursed: total,
      unspent: amounts.reduce((s, x) => s + x, 0) - total,
    });
  });

  it('1,500 donations of ¥1: a disbursement over 1,200 of them is logged in parts under the 64 KiB entry limit, and the replay agrees', async () => {
    const { project, spend } = await spendableProject();
    const ids = await paidDonationsBulk(t, project.id, 1500, 100);

    const res = await spend(1200 * 100);
    expect(res.statusCode, res.body).toBe(201);
    const { id: disbursementId, allocations } = res.json() as {
      id: string;
      allocations: { donationId: string; amount: number }[];
    };
    expect(allocations).toEqual(
      ids.slice(0, 1200).map((donationId) => ({ donationId, amount: 100 })),
    );

    // One funds.disbursed and its continuation parts, in order, each a legal log entry.
    const first = await logged('funds.disbursed', 'disbursementId', disbursementId);
    const rest = await logged('funds.allocated', 'disbursementId', disbursementId);
    expect(first).toHaveLength(1);
    expect(first[0]!.event.data.parts).toBe(Math.ceil(1200 / ALLOCATIONS_PER_EVENT));
    expect(rest.map((e) => e.event.data.part)).toEqual([2, 3]);
    expect(rest[0]!.index).toBeGreaterThan(first[0]!.index);
    for (const e of [...first, ...rest]) expect(e.size).toBeLessThanOrEqual(65_535);
    expect([...first, ...rest].flatMap((e) => e.event.data.allocations)).toEqual(allocations);

    // The 1,200th donor's trace proves its share with the receipt of the part that lists it.
    const last = ids[1199]!;
    const link = await t.database.db
      .selectFrom('allocations')
      .select(['outbox_id', 'position'])
      .where('donation_id', '=', last)
      .executeTakeFirstOrThrow();
    expect(Number(link.position)).toBe(1199);
    const receipt = (
      await t.app.inject({ method: 'GET', url: `/api/log/receipts/${link.outbox_id}` })
    ).json();
    const key = (await t.app.inject({ method: 'GET', url: '/log/key' })).body.trim();
    const proven = verifyReceipt(receipt, {
      logKey: key,
      witnesses: [],
      quorum: 0,
      origin: testLogOrigin,
    }).event;
    expect(proven).toMatchObject({ type: 'funds.allocated', data: { disbursementId, part: 3 } });
    expect(proven.data.allocations).toContainEqual({ donationId: last, amount: 100 });

    const books = await expectBooksAgree(t);
    expect(books.disbursements.get(disbursementId)).toMatchObject({ parts: 3, partsSeen: 3 });

    // The other 300 are next in line.
    const next = await spend(300 * 100);
    expect(next.json().allocations).toEqual(
      ids.slice(1200).map((donationId) => ({ donationId, amount: 100 })),
    );
    expect(await projectPage(project.id)).toMatchObject({ raised: 150_000, unspent: 0 });
    await expectBooksAgree(t);
  }, 60_000);

  it('a refund of an untouched donation, through the provider’s signed callback, takes it out of the balance and out of the FIFO order', async () => {
    const { project, spend } = await spendableProject();
    const [a, b, c] = await paidDonationsDirect(t, project.id, 3, 1000);

    const refunded = await providerCallback(t, 'payment.refunded', b!);
    expect(refunded.statusCode, refunded.body).toBe(200);
    expect(refunded.json()).toMatchObject({ outcome: 'refunded' });
    expect(await projectPage(project.id)).toMatchObject({
      raised: 2000,
      unspent: 2000,
      flow: { raised: 3000, refunded: 1000, unspent: 2000 },
    });
    const [event] = await logged('donation.refunded', 'donationId', b!);
    expect([event?.event.v, event?.event.data]).toEqual([
      2,
      {
        donationId: b,
        projectId: project.id,
        orgId: expect.any(String),
        amount: 1000,
        currency: 'CNY',
        owed: 0,
      },
    ]);
    await expectBooksAgree(t);

    // The refunded donation is skipped: the spending goes to the next oldest.
    const res = await spend(1500);
    expect(res.json().allocations).toEqual([
      { donationId: a, amount: 1000 },
      { donationId: c, amount: 500 },
    ]);
    expect(await allocatedOf([a!, b!, c!])).toEqual([1000, 0, 500]);
    // Only 500 is left: the refunded 1,000 cannot be spent.
    const over = await spend(501);
    expect([over.statusCode, errorCode(over)]).toEqual([409, 'insufficient_funds']);
    await expectBooksAgree(t);
  });

  it('a chargeback of an untouched donation is kept as a chargeback and leaves the books balanced', async () => {
    const { project } = await spendableProject();
    const [a, b] = await paidDonationsDirect(t, project.id, 2, 2500);
    const res = await providerCallback(t, 'payment.disputed', a!);
    expect(res.json()).toMatchObject({ outcome: 'refunded' });
    const [event] = await logged('donation.refunded', 'donationId', a!);
    expect(event?.event.data).toMatchObject({ amount: 2500, owed: 0 });
    const donation = await t.database.db
      .selectFrom('donations')
      .select(['status', 'refund_reason'])
      .where('id', '=', a!)
      .executeTakeFirstOrThrow();
    expect(donation).toEqual({ status: 'refunded', refund_reason: 'chargeback' });
    expect(await projectPage(project.id)).toMatchObject({ raised: 2500, unspent: 2500 });
    expect(await allocatedOf([b!])).toEqual([0]);
    await expectBooksAgree(t);
  });

  it('a refund of a donation partly or wholly spent takes back what is unspent and leaves the spent part owed, never a negative balance', async () => {
    const { project, spend } = await spendableProject();
    const [a, b, c] = await paidDonationsDirect(t, project.id, 3, 2000);
    expect((await spend(2500)).statusCode).toBe(201); // a in full, b in part
    await expectBooksAgree(t);

    // b: 500 of its 2,000 was spent. Its other 1,500 leaves the balance; the 500 is owed.
    const partly = await providerCallback(t, 'payment.refunded', b!);
    expect([partly.statusCode, partly.json().outcome]).toEqual([200, 'refunded']);
    expect(await projectPage(project.id)).toMatchObject({
      raised: 4000,
      spent: 2500,
      unspent: 2000,
      flow: { raised: 6000, refunded: 2000, owed: 500, unspent: 2000 },
    });
    const [event] = await logged('donation.refunded', 'donationId', b!);
    expect([event?.event.v, event?.event.data]).toEqual([
      2,
      expect.objectContaining({ donationId: b, amount: 2000, currency: 'CNY', owed: 500 }),
    ]);
    // The allocation stands: the money went to the beneficiary.
    expect(await allocatedOf([a!, b!, c!])).toEqual([2000, 500, 0]);
    await expectBooksAgree(t);

    // a, wholly spent, by a chargeback: nothing leaves the balance, all of it is owed.
    const wholly = await providerCallback(t, 'payment.disputed', a!);
    expect(wholly.json().outcome).toBe('refunded');
    expect(await projectPage(project.id)).toMatchObject({
      unspent: 2000,
      flow: { refunded: 4000, owed: 2500, unspent: 2000 },
    });
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({ refunded: 4000, owed: 2500 });

    // b is out of the FIFO queue: the next spending takes c.
    const next = await spend(2000);
    expect(next.json().allocations).toEqual([{ donationId: c, amount: 2000 }]);
    const shards = await t.database.db
      .selectFrom('project_funds')
      .select(['balance', 'owed'])
      .where('project_id', '=', project.id)
      .execute();
    expect(shards.every((s) => Number(s.balance) >= 0 && Number(s.owed) >= 0)).toBe(true);
    expect(shards.reduce((sum, s) => sum + Number(s.owed), 0)).toBe(2500);
    await expectBooksAgree(t);
  });

  it('a partial refund notice does not refund the whole donation; the full refund, when it comes, does', async () => {
    const { project } = await spendableProject();
    const [a] = await paidDonationsDirect(t, project.id, 1, 5000);
    const before = await moneySnapshot(t);
    // Stripe's charge.refunded carries the amount refunded so far: ¥10 of ¥50 here.
    const partial = await providerCallback(t, 'payment.refunded', a!, { amount: 1000 });
    expect([partial.statusCode, partial.json().outcome]).toEqual([200, 'amount_mismatch']);
    const disputedInUsd = await providerCallback(t, 'payment.disputed', a!, { currency: 'USD' });
    expect(disputedInUsd.json().outcome).toBe('amount_mismatch');
    expect(await moneySnapshot(t)).toEqual(before);
    expect(await logged('donation.refunded', 'donationId', a!)).toEqual([]);
    const full = await providerCallback(t, 'payment.refunded', a!, { amount: 5000 });
    expect(full.json().outcome).toBe('refunded');
    expect(await projectPage(project.id)).toMatchObject({
      flow: { raised: 5000, refunded: 5000, unspent: 0 },
    });
    await expectBooksAgree(t);
  });

  it('a donation refunded once is not refunded again; a chargeback after the refund becomes the reason, moving no money', async () => {
    const { project } = await spendableProject();
    const [a] = await paidDonationsDirect(t, project.id, 1, 700);
    expect((await providerCallback(t, 'payment.refunded', a!)).json()).toMatchObject({
      outcome: 'refunded',
    });
    const before = await moneySnapshot(t);
    // A second notice (a new event id, so not a replay) finds nothing left to take back.
    const again = await providerCallback(t, 'payment.disputed', a!);
    expect(again.json()).toMatchObject({ outcome: 'already_refunded' });
    const more = await providerCallback(t, 'payment.refunded', a!);
    expect(more.json()).toMatchObject({ outcome: 'already_refunded' });
    expect(await moneySnapshot(t)).toEqual(before);
    expect(await logged('donation.refunded', 'donationId', a!)).toHaveLength(1);
    const { refund_reason } = await t.database.db
      .selectFrom('donations')
      .select('refund_reason')
      .where('id', '=', a!)
      .executeTakeFirstOrThrow();
    expect(refund_reason).toBe('chargeback');
    expect(await projectPage(project.id)).toMatchObject({
      flow: { raised: 700, refunded: 700, owed: 0, unspent: 0 },
    });
    await expectBooksAgree(t);
  });
});
