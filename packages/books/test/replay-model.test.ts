import { describe, expect, it } from 'vitest';
import { checkInvariants, type LoggedEvent, replayBooks } from '../src/index.js';

/**
 * The replay against a deliberately simple model of the same rules (arrays and loops, no
 * shared code), over long random histories the server could have written; and the rule
 * breaches an auditor must see flagged at the right place.
 */

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays exactly. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelDonation {
  id: string;
  projectId: string;
  amount: number;
  allocated: number;
  refunded: boolean;
  paidSeq: number;
}

/** A log the server could write: random donations, refunds, disbursements and confirmations. */
function history(seed: number, steps: number) {
  const rnd = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const events: LoggedEvent[] = [];
  const log = (type: string, data: Record<string, unknown>, v = 1) =>
    events.push({
      index: events.length,
      event: { type, v, at: '2026-11-26T00:00:00.000Z', data },
    });
  const projects = ['p1', 'p2', 'p3'];
  const donations: ModelDonation[] = [];
  const disbursements: { id: string; projectId: string; amount: number; acknowledged: boolean }[] =
    [];
  let seq = 0;
  for (const projectId of projects) {
    log('project.published', {
      projectId,
      orgId: 'o1',
      title: projectId,
      cause: 'education',
      city: 'c',
      goal: 1_000_000,
      currency: 'CNY',
      budget: [{ id: `${projectId}-l1`, label: 'Books', amount: 1_000_000 }],
      startDate: '2026-01-01',
      endDate: '2026-12-31',
    });
  }
  for (let step = 0; step < steps; step++) {
    const r = rnd();
    const projectId = pick(projects);
    if (r < 0.55) {
      const d: ModelDonation = {
        id: `d${donations.length}`,
        projectId,
        amount: 1 + Math.floor(rnd() * (rnd() < 0.8 ? 500 : 50_000)),
        allocated: 0,
        refunded: false,
        paidSeq: ++seq,
      };
      donations.push(d);
      log('donation.received', {
        donationId: d.id,
        projectId,
        orgId: 'o1',
        amount: d.amount,
        currency: 'CNY',
        paidSeq: d.paidSeq,
        donor: 'ab',
      });
    } else if (r < 0.65) {
      const unrefunded = donations.filter((d) => !d.refunded);
      if (unrefunded.length === 0) continue;
      const d = pick(unrefunded);
      d.refunded = true;
      const data = {
        donationId: d.id,
        projectId: d.projectId,
        orgId: 'o1',
        amount: d.amount,
        currency: 'CNY',
      };
      // An untouched donation's refund as either version (old logs hold version 1); a spent
      // one's only as version 2, which says what the charity owes.
      if (d.allocated === 0 && rnd() < 0.5)
        log('donation.refunded', { ...data, reason: rnd() < 0.5 ? 'refund' : 'chargeback' });
      else log('donation.refunded', { ...data, owed: d.allocated }, 2);
    } else if (r < 0.9) {
      // Oldest unallocated money first: the model's own loop.
      const queue = donations
        .filter((d) => d.projectId === projectId && !d.refunded && d.allocated < d.amount)
        .sort((x, y) => x.paidSeq - y.paidSeq);
      const unspent = queue.reduce((s, d) => s + d.amount - d.allocated, 0);
      if (unspent === 0) continue;
      // Now and then the whole balance, to empty the queue exactly.
      const amount = rnd() < 0.1 ? unspent : 1 + Math.floor(rnd() * unspent);
      const allocations: { donationId: string; amount: number }[] = [];
      let left = amount;
      for (const d of queue) {
        if (left === 0) break;
        const take = Math.min(left, d.amount - d.allocated);
        d.allocated += take;
        left -= take;
        allocations.push({ donationId: d.id, amount: take });
      }
      const id = `x${disbursements.length}`;
      disbursements.push({ id, projectId, amount, acknowledged: false });
      // Split into parts as the server does for long lists, at a random size here.
      const per = 1 + Math.floor(rnd() * 4);
      const parts: (typeof allocations)[] = [];
      for (let i = 0; i < allocations.length; i += per) parts.push(allocations.slice(i, i + per));
      log('funds.disbursed', {
        disbursementId: id,
        projectId,
        orgId: 'o1',
        amount,
        currency: 'CNY',
        budgetLineId: `${projectId}-l1`,
        budgetLine: 'Books',
        payee: { beneficiaryId: 'b1', kind: 'school', region: 'r', name: 'School' },
        purpose: 'books',
        date: '2026-11-26',
        evidence: [{ sha256: 'a'.repeat(64), kind: 'invoice', mediaType: 'application/pdf' }],
        parts: parts.length,
        allocations: parts[0],
      });
      parts.slice(1).forEach((allocs, i) => {
        log('funds.allocated', { disbursementId: id, projectId, part: i + 2, allocations: allocs });
      });
    } else {
      const open = disbursements.filter((x) => !x.acknowledged);
      if (open.length === 0) continue;
      const x = pick(open);
      x.acknowledged = true;
      log('funds.acknowledged', {
        disbursementId: x.id,
        projectId: x.projectId,
        orgId: 'o1',
        photo: null,
      });
    }
  }
  return { events, donations, disbursements, projects };
}

describe('the replay agrees with a simple model of the rules', () => {
  for (const seed of [1, 2, 3, 42, 2026, 99_991]) {
    it(`over a random history of 600 steps (seed ${seed})`, () => {
      const h = history(seed, 600);
      const books = replayBooks(h.events);
      expect(books.violations).toEqual([]);
      expect(checkInvariants(books)).toEqual([]);
      for (const projectId of h.projects) {
        const ds = h.donations.filter((d) => d.projectId === projectId);
        const xs = h.disbursements.filter((x) => x.projectId === projectId);
        const sum = (ns: number[]) => ns.reduce((s, n) => s + n, 0);
        const raised = sum(ds.map((d) => d.amount));
        const refunded = sum(ds.filter((d) => d.refunded).map((d) => d.amount));
        const owed = sum(ds.filter((d) => d.refunded).map((d) => d.allocated));
        const disbursed = sum(xs.map((x) => x.amount));
        expect(books.projects.get(projectId)).toMatchObject({
          raised,
          refunded,
          owed,
          disbursed,
          allocated: disbursed,
          unspent: raised - refunded + owed - disbursed,
          confirmed: sum(xs.filter((x) => x.acknowledged).map((x) => x.amount)),
          donations: ds.length,
          disbursements: xs.length,
        });
      }
      for (const d of h.donations) {
        expect(books.donations.get(d.id)).toMatchObject({
          allocated: d.allocated,
          refunded: d.refunded,
        });
      }
    });
  }

  it('flags the first tampered allocation in a random history, and only that', () => {
    const h = history(7, 400);
    const at = h.events.findIndex(
      (e) =>
        e.event.type === 'funds.disbursed' && (e.event.data.allocations as unknown[]).length > 1,
    );
    expect(at).toBeGreaterThan(0);
    const tampered = structuredClone(h.events);
    const allocations = tampered[at]!.event.data.allocations as { donationId: string }[];
    // Swap the first two donations' places: same money, not the oldest first.
    [allocations[0]!.donationId, allocations[1]!.donationId] = [
      allocations[1]!.donationId,
      allocations[0]!.donationId,
    ];
    const books = replayBooks(tampered);
    expect(books.violations.map((v) => [v.code, v.index])).toEqual([['allocation_not_fifo', at]]);
  });
});

describe('rule breaches the replay reports', () => {
  let i = 0;
  const ev = (type: string, data: Record<string, unknown>): LoggedEvent => ({
    index: i++,
    event: { type, v: 1, at: '2026-11-26T00:00:00.000Z', data },
  });
  const start = () => {
    i = 0;
    return [
      ev('project.published', {
        projectId: 'p',
        orgId: 'o',
        title: 't',
        cause: 'education',
        city: 'c',
        goal: 10_000,
        currency: 'CNY',
        budget: [{ id: 'l', label: 'Books', amount: 10_000 }],
        startDate: '2026-01-01',
        endDate: '2026-12-31',
      }),
    ];
  };
  const donation = (id: string, amount: number, paidSeq: number) =>
    ev('donation.received', {
      donationId: id,
      projectId: 'p',
      orgId: 'o',
      amount,
      currency: 'CNY',
      paidSeq,
      donor: 'ab',
    });
  const disbursed = (
    id: string,
    amount: number,
    allocations: { donationId: string; amount: number }[],
    parts = 1,
  ) =>
    ev('funds.disbursed', {
      disbursementId: id,
      projectId: 'p',
      orgId: 'o',
      amount,
      currency: 'CNY',
      budgetLineId: 'l',
      budgetLine: 'Books',
      payee: { beneficiaryId: 'b', kind: 'school', region: 'r', name: 'S' },
      purpose: 'books',
      date: '2026-11-26',
      evidence: [],
      parts,
      allocations,
    });
  const refunded = (id: string, amount: number) =>
    ev('donation.refunded', {
      donationId: id,
      projectId: 'p',
      orgId: 'o',
      amount,
      currency: 'CNY',
      reason: 'refund',
    });

  it('a partly spent donation: the next disbursement must take its remainder, not its whole amount', () => {
    const events = [
      ...start(),
      donation('a', 3000, 1),
      donation('b', 3000, 2),
      disbursed('x', 1000, [{ donationId: 'a', amount: 1000 }]),
    ];
    const good = replayBooks([
      ...events,
      disbursed('y', 2500, [
        { donationId: 'a', amount: 2000 },
        { donationId: 'b', amount: 500 },
      ]),
    ]);
    expect(good.violations).toEqual([]);
    expect(good.donations.get('a')!.allocated).toBe(3000);
    expect(good.donations.get('b')!.allocated).toBe(500);
    const bad = replayBooks([...events, disbursed('y', 2500, [{ donationId: 'a', amount: 2500 }])]);
    expect(bad.violations.map((v) => v.code)).toEqual(['allocation_not_fifo']);
    // The books follow the rule, not the claim: a is never allocated beyond its amount.
    expect(checkInvariants(bad)).toEqual([]);
  });

  it('a disbursement listing less than its amount breaks both FIFO and the sum', () => {
    const books = replayBooks([
      ...start(),
      donation('a', 3000, 1),
      disbursed('x', 1000, [{ donationId: 'a', amount: 400 }]),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual([
      'allocation_not_fifo',
      'allocation_sum_mismatch',
    ]);
  });

  it('a continuation part that lists other donations than FIFO gives is flagged at that part', () => {
    const events = [
      ...start(),
      donation('a', 100, 1),
      donation('b', 100, 2),
      donation('c', 100, 3),
      disbursed('x', 300, [{ donationId: 'a', amount: 100 }], 2),
      ev('funds.allocated', {
        disbursementId: 'x',
        projectId: 'p',
        part: 2,
        allocations: [
          { donationId: 'c', amount: 100 },
          { donationId: 'b', amount: 100 },
        ],
      }),
    ];
    const books = replayBooks(events);
    expect(books.violations.map((v) => [v.code, v.index])).toEqual([
      ['allocation_not_fifo', events.length - 1],
    ]);
  });

  it('allocations for a disbursement never logged, a second refund, and a refund of an unknown donation', () => {
    const books = replayBooks([
      ...start(),
      donation('a', 100, 1),
      ev('funds.allocated', {
        disbursementId: 'ghost',
        projectId: 'p',
        part: 2,
        allocations: [{ donationId: 'a', amount: 100 }],
      }),
      refunded('a', 100),
      refunded('a', 100),
      refunded('nobody', 100),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual([
      'unknown_disbursement',
      'unknown_donation',
      'unknown_donation',
    ]);
    expect(books.projects.get('p')).toMatchObject({ raised: 100, refunded: 100, unspent: 0 });
    expect(checkInvariants(books)).toEqual([]);
  });

  it('a refunded donation cannot then be spent', () => {
    const books = replayBooks([
      ...start(),
      donation('a', 100, 1),
      refunded('a', 100),
      disbursed('x', 100, [{ donationId: 'a', amount: 100 }]),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual(['insufficient_funds']);
    expect(books.projects.get('p')!.disbursed).toBe(0);
  });

  it('the invariants catch books that do not add up', () => {
    const books = replayBooks([...start(), donation('a', 100, 1)]);
    const p = books.projects.get('p')!;
    p.unspent = -1;
    books.donations.get('a')!.allocated = 101;
    expect(checkInvariants(books)).toEqual([
      'project p: received 100 ≠ allocated 0 + unspent -1',
      'project p: unspent -1 is negative',
      'donation a: allocated 101 > amount 100',
    ]);
  });
});
