import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, errorCode, startTestApp, type TestApp } from './support/app.js';
import {
  beneficiary,
  disburse,
  expectBooksAgree,
  paidDonation,
  paidDonationsDirect,
  providerCallback,
  publishedProject,
  samplePdf,
  upload,
} from './support/money.js';

/**
 * A campaign peak on one project: donations started and paid while the charity records
 * disbursements and payers take money back, all at once. Whatever the interleaving (PGlite
 * runs one transaction at a time; PostgreSQL runs them in parallel on a pool), no balance goes
 * below zero, no more is spent than was paid, what was spent of money taken back is owed, a
 * refused disbursement leaves no trace, and the log replays to the same books.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const DONATIONS = 200;
const DONATION = 1000;
const PREFUND = 90_000;
const DISBURSEMENTS = 20;
const DISBURSEMENT = 20_000;
const REFUNDS = 10;
/** Donations whose refund is delivered before their success: held, then applied with it. */
const EARLY_REFUNDS = 5;

describe('one project under concurrent donations and disbursements', () => {
  it(`${DONATIONS} donations (${EARLY_REFUNDS} refunded before their success arrives), ${DISBURSEMENTS} disbursements and ${REFUNDS} refunds at once: balances never negative, spending never above what was paid, refusals change nothing`, async () => {
    const { owner, orgId, project } = await publishedProject(t);
    const payee = await beneficiary(owner, orgId);
    const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
    // Enough for at least 4 disbursements whatever the order; the 20 ask for more than the
    // 300,000 fen that will ever arrive, so at least 5 must be refused.
    await paidDonation(t, project.id, PREFUND);
    // Next in FIFO order: refunds of these race the disbursements that would spend them.
    const refundable = await paidDonationsDirect(t, project.id, REFUNDS, DONATION);
    const paidTotal = PREFUND + (REFUNDS + DONATIONS) * DONATION;
    expect(DISBURSEMENTS * DISBURSEMENT).toBeGreaterThan(paidTotal);

    const db = t.database.db;
    let running = true;
    let lowestShard = Number.POSITIVE_INFINITY;
    let samples = 0;
    const sampler = (async () => {
      while (running) {
        const shards = await db
          .selectFrom('project_funds')
          .select('balance')
          .where('project_id', '=', project.id)
          .execute();
        for (const s of shards) lowestShard = Math.min(lowestShard, Number(s.balance));
        samples++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const earlyRefund = (i: number) => i % (DONATIONS / EARLY_REFUNDS) === 3;
    const donate = async (i: number) => {
      const guest = new Client(t.app);
      const started = await guest.request(
        'POST',
        `/api/projects/${project.id}/donations`,
        { amount: DONATION, currency: 'CNY', email: `peak${i}@example.org` },
        { 'idempotency-key': randomUUID() },
      );
      if (started.statusCode !== 201) return { start: started.statusCode, pay: 0, outcome: '' };
      const { donation, accessToken } = started.json() as {
        donation: { id: string };
        accessToken: string;
      };
      if (earlyRefund(i)) {
        // The provider's refund overtakes its success: held until the success credits it.
        const held = await providerCallback(t, 'payment.refunded', donation.id);
        if ((held.json() as { outcome?: string }).outcome !== 'held')
          return { start: 201, pay: held.statusCode, outcome: `refund first: ${held.body}` };
      }
      const paid = await guest.post(`/api/payments/sandbox/${donation.id}/pay`, {
        token: accessToken,
        outcome: 'succeeded',
      });
      return {
        start: started.statusCode,
        pay: paid.statusCode,
        outcome: (paid.json() as { outcome?: string }).outcome ?? errorCode(paid),
      };
    };
    const spend = async () => {
      const res = await disburse(
        owner,
        { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id },
        { amount: DISBURSEMENT, beneficiaryId: payee, evidence: [invoice] },
      );
      return { status: res.statusCode, code: errorCode(res), body: res.body };
    };

    const refund = async (donationId: string) => {
      const res = await providerCallback(t, 'payment.refunded', donationId);
      return {
        donationId,
        refund: res.statusCode,
        outcome: (res.json() as { outcome?: string }).outcome,
      };
    };

    // Interleaved: a disbursement every tenth donation, a refund every twentieth.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < DONATIONS; i++) {
      work.push(donate(i));
      if (i % (DONATIONS / DISBURSEMENTS) === 0) work.push(spend());
      if (i % (DONATIONS / REFUNDS) === 0)
        work.push(refund(refundable[i / (DONATIONS / REFUNDS)]!));
    }
    const results = await Promise.all(work);
    running = false;
    await sampler;

    const donations = results.filter((r): r is Awaited<ReturnType<typeof donate>> =>
      Object.hasOwn(r as object, 'start'),
    );
    const spending = results.filter((r): r is Awaited<ReturnType<typeof spend>> =>
      Object.hasOwn(r as object, 'status'),
    );
    const refunds = results.filter((r): r is Awaited<ReturnType<typeof refund>> =>
      Object.hasOwn(r as object, 'refund'),
    );
    expect(donations).toHaveLength(DONATIONS);
    expect(spending).toHaveLength(DISBURSEMENTS);
    expect(refunds).toHaveLength(REFUNDS);
    // Every donation went through; no deadlock, no serialization failure, no 500.
    expect(
      donations.filter((d) => d.start !== 201 || d.pay !== 200 || d.outcome !== 'credited'),
    ).toEqual([]);
    const done = spending.filter((s) => s.status === 201);
    const refused = spending.filter((s) => s.status !== 201);
    expect(refused.map((s) => [s.status, s.code])).toEqual(
      refused.map(() => [409, 'insufficient_funds']),
    );
    expect(done.length).toBeGreaterThanOrEqual(Math.floor(PREFUND / DISBURSEMENT));
    expect(refused.length).toBeGreaterThanOrEqual(
      DISBURSEMENTS - Math.floor(paidTotal / DISBURSEMENT),
    );
    const spent = done.length * DISBURSEMENT;
    // Every refund took its donation back: what was spent of it before is owed.
    expect(refunds.filter((r) => r.refund !== 200 || r.outcome !== 'refunded')).toEqual([]);
    const raced = await db
      .selectFrom('donations')
      .select(['id', 'status', 'allocated'])
      .where('id', 'in', refundable)
      .execute();
    expect(raced.map((d) => d.status)).toEqual(refundable.map(() => 'refunded'));
    const early = await db
      .selectFrom('donations')
      .select(['status', 'allocated'])
      .where('project_id', '=', project.id)
      .where('refund_reason', 'is not', null)
      .where('id', 'not in', refundable)
      .execute();
    expect(early.map((d) => [d.status, Number(d.allocated)])).toEqual(
      Array(EARLY_REFUNDS).fill(['refunded', 0]),
    );
    const refundedTotal = (REFUNDS + EARLY_REFUNDS) * DONATION;
    const owedTotal = raced.reduce((sum, d) => sum + Number(d.allocated), 0);
    expect(spent).toBeLessThanOrEqual(paidTotal - refundedTotal + owedTotal);

    // No shard was ever seen below zero, and none is now.
    expect(samples).toBeGreaterThan(0);
    expect(lowestShard).toBeGreaterThanOrEqual(0);
    const funds = await db
      .selectFrom('project_funds')
      .select(['balance', 'raised', 'refunded', 'owed'])
      .where('project_id', '=', project.id)
      .execute();
    expect(funds.every((f) => Number(f.balance) >= 0)).toBe(true);
    const sum = (key: 'balance' | 'raised' | 'refunded' | 'owed') =>
      funds.reduce((s, f) => s + Number(f[key]), 0);
    expect(sum('raised')).toBe(paidTotal);
    expect(sum('refunded')).toBe(refundedTotal);
    expect(sum('owed')).toBe(owedTotal);
    expect(sum('balance')).toBe(paidTotal - refundedTotal + owedTotal - spent);

    // A refused disbursement left nothing behind: only the successful ones are recorded.
    const recorded = await db
      .selectFrom('disbursements')
      .select(['id', 'amount'])
      .where('project_id', '=', project.id)
      .execute();
    expect(recorded).toHaveLength(done.length);
    const allocated = await db
      .selectFrom('allocations')
      .innerJoin('disbursements', 'disbursements.id', 'allocations.disbursement_id')
      .select((eb) => eb.fn.sum<string>('allocations.amount').as('n'))
      .where('disbursements.project_id', '=', project.id)
      .executeTakeFirstOrThrow();
    expect(Number(allocated.n)).toBe(spent);
    const paid = await db
      .selectFrom('donations')
      .select(['paid_seq', 'allocated', 'amount'])
      .where('project_id', '=', project.id)
      .where('status', 'in', ['paid', 'refunded'])
      .execute();
    expect(paid).toHaveLength(1 + REFUNDS + DONATIONS);
    expect(new Set(paid.map((d) => d.paid_seq)).size).toBe(1 + REFUNDS + DONATIONS);
    expect(paid.every((d) => Number(d.allocated) <= Number(d.amount))).toBe(true);

    // The log, replayed alone, gives the same books (FIFO included) as the database.
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({
      raised: paidTotal,
      refunded: refundedTotal,
      owed: owedTotal,
      disbursed: spent,
      unspent: paidTotal - refundedTotal + owedTotal - spent,
      donations: 1 + REFUNDS + DONATIONS,
      disbursements: done.length,
    });
  }, 60_000);

  it('refunds racing a disbursement over the same donations: each is taken back, and what the disbursement had spent of it is owed, never spent after', async () => {
    const { owner, orgId, project } = await publishedProject(t);
    const payee = await beneficiary(owner, orgId);
    const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
    const ids = await paidDonationsDirect(t, project.id, 10, DONATION);
    const [spent, ...refunds] = await Promise.all([
      disburse(
        owner,
        { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id },
        { amount: 5 * DONATION, beneficiaryId: payee, evidence: [invoice] },
      ),
      ...ids.map((id) => providerCallback(t, 'payment.refunded', id)),
    ]);
    expect(refunds.map((r) => [r.statusCode, (r.json() as { outcome: string }).outcome])).toEqual(
      ids.map(() => [200, 'refunded']),
    );
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['id', 'status', 'allocated'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.map((d) => d.status)).toEqual(ids.map(() => 'refunded'));
    // Each was spent in full before its refund, or not at all (a refunded one is never spent).
    expect(rows.every((d) => [0, DONATION].includes(Number(d.allocated)))).toBe(true);
    const owed = rows.reduce((sum, d) => sum + Number(d.allocated), 0);
    if (spent.statusCode === 201) expect(owed).toBe(5 * DONATION);
    else {
      expect([spent.statusCode, errorCode(spent)]).toEqual([409, 'insufficient_funds']);
      expect(owed).toBe(0);
    }
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)).toMatchObject({
      refunded: 10 * DONATION,
      owed,
      unspent: 0,
    });
  });

  it('a confirmation code sent by several hands at once is accepted once', async () => {
    const { owner, orgId, project } = await publishedProject(t);
    const payee = await beneficiary(owner, orgId);
    const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
    await paidDonationsDirect(t, project.id, 1, DONATION);
    const spent = await disburse(
      owner,
      { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id },
      { amount: DONATION, beneficiaryId: payee, evidence: [invoice] },
    );
    const code = spent.json().ackCode as string;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        new Client(t.app).post(`/api/acknowledgements/${code}`, { note: `hand ${i}` }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
    expect(
      answers.filter((a) => a.statusCode !== 200).map((a) => [a.statusCode, errorCode(a)]),
    ).toEqual(Array(7).fill([409, 'already_acknowledged']));
    const books = await expectBooksAgree(t);
    expect(books.projects.get(project.id)!.confirmed).toBe(DONATION);
  });
});
