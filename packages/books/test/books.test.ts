import { describe, expect, it } from 'vitest';
import {
  allocateFifo,
  checkInvariants,
  hasOpened,
  type LoggedEvent,
  openDays,
  replayBooks,
} from '../src/index.js';

const P = 'p1';
let index = 0;
function ev(type: string, data: Record<string, unknown>, v = 1): LoggedEvent {
  return { index: index++, event: { type, v, at: '2026-11-26T00:00:00.000Z', data } };
}
const published = () =>
  ev('project.published', {
    projectId: P,
    orgId: 'o1',
    title: 't',
    cause: 'education',
    city: 'c',
    goal: 100_000,
    currency: 'CNY',
    budget: [{ id: 'b1', label: 'books', amount: 100_000 }],
    startDate: '2026-01-01',
    endDate: '2026-12-31',
  });
const donation = (id: string, amount: number, paidSeq: number) =>
  ev('donation.received', {
    donationId: id,
    projectId: P,
    orgId: 'o1',
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
    projectId: P,
    orgId: 'o1',
    amount,
    currency: 'CNY',
    budgetLineId: 'b1',
    budgetLine: 'books',
    payee: { beneficiaryId: 'x', kind: 'school', region: 'r', name: 'School' },
    purpose: 'textbooks',
    date: '2026-11-26',
    evidence: [],
    parts,
    allocations,
  });

describe('FIFO allocation', () => {
  it('takes the oldest donations first and splits the last one it touches', () => {
    const queue = [
      { donationId: 'a', remaining: 3000 },
      { donationId: 'b', remaining: 5000 },
      { donationId: 'c', remaining: 2000 },
    ];
    expect(allocateFifo(queue, 6000)).toEqual([
      { donationId: 'a', amount: 3000 },
      { donationId: 'b', amount: 3000 },
    ]);
    expect(queue[1]!.remaining).toBe(5000);
  });

  it('spans many small donations', () => {
    const queue = Array.from({ length: 1000 }, (_, i) => ({ donationId: `d${i}`, remaining: 10 }));
    const out = allocateFifo(queue, 9_995)!;
    expect(out).toHaveLength(1000);
    expect(out.at(-1)).toEqual({ donationId: 'd999', amount: 5 });
  });

  it('refuses more than the queue holds, and non-integer or non-positive amounts', () => {
    expect(allocateFifo([{ donationId: 'a', remaining: 10 }], 11)).toBeNull();
    expect(() => allocateFifo([], 0)).toThrow(RangeError);
    expect(() => allocateFifo([], 1.5)).toThrow(RangeError);
  });
});

describe('the days a project takes donations', () => {
  it('a start day has begun once it has begun anywhere (UTC+14); an end day lasts until it is over everywhere (UTC−12)', () => {
    expect(openDays(new Date('2026-03-01T09:59:59.999Z'))).toEqual({
      latestStart: '2026-03-01',
      earliestEnd: '2026-02-28',
    });
    expect(openDays(new Date('2026-03-01T10:00:00.000Z')).latestStart).toBe('2026-03-02');
    expect(openDays(new Date('2026-03-01T12:00:00.000Z')).earliestEnd).toBe('2026-03-01');
    expect(hasOpened('2026-03-02', new Date('2026-03-01T09:59:59.999Z'))).toBe(false);
    expect(hasOpened('2026-03-02', new Date('2026-03-01T10:00:00.000Z'))).toBe(true);
    expect(() => openDays(new Date('not a time'))).toThrow(RangeError);
  });
});

describe('replaying the books from the log', () => {
  it('recomputes raised, allocated, unspent and confirmed, and the invariants hold', () => {
    index = 0;
    const events = [
      published(),
      donation('a', 3000, 1),
      donation('b', 2000, 2),
      disbursed('x', 4000, [
        { donationId: 'a', amount: 3000 },
        { donationId: 'b', amount: 1000 },
      ]),
      ev('funds.acknowledged', { disbursementId: 'x', projectId: P, orgId: 'o1', photo: null }),
    ];
    const books = replayBooks(events);
    expect(books.violations).toEqual([]);
    const p = books.projects.get(P)!;
    expect(p).toMatchObject({
      raised: 5000,
      allocated: 4000,
      disbursed: 4000,
      unspent: 1000,
      confirmed: 4000,
    });
    expect(books.donations.get('b')!.allocated).toBe(1000);
    expect(checkInvariants(books)).toEqual([]);
  });

  it('orders the FIFO queue by paidSeq, not by log position', () => {
    index = 0;
    const books = replayBooks([
      published(),
      donation('late', 1000, 2),
      donation('early', 1000, 1),
      disbursed('x', 1000, [{ donationId: 'early', amount: 1000 }]),
    ]);
    expect(books.violations).toEqual([]);
  });

  it('flags a disbursement whose allocations skip the oldest donation', () => {
    index = 0;
    const books = replayBooks([
      published(),
      donation('a', 1000, 1),
      donation('b', 1000, 2),
      disbursed('x', 1000, [{ donationId: 'b', amount: 1000 }]),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual(['allocation_not_fifo']);
    expect(books.violations[0]!.index).toBe(3);
  });

  it('flags spending above the unspent balance and changes no balance for it', () => {
    index = 0;
    const books = replayBooks([
      published(),
      donation('a', 1000, 1),
      disbursed('x', 1001, [{ donationId: 'a', amount: 1001 }]),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual(['insufficient_funds']);
    expect(books.projects.get(P)!.unspent).toBe(1000);
  });

  it('accepts a refund of an unallocated donation and removes it from the queue', () => {
    index = 0;
    const books = replayBooks([
      published(),
      donation('a', 1000, 1),
      donation('b', 1000, 2),
      ev('donation.refunded', {
        donationId: 'a',
        projectId: P,
        orgId: 'o1',
        amount: 1000,
        currency: 'CNY',
        reason: 'chargeback',
      }),
      disbursed('x', 500, [{ donationId: 'b', amount: 500 }]),
    ]);
    expect(books.violations).toEqual([]);
    expect(books.projects.get(P)).toMatchObject({ raised: 2000, refunded: 1000, unspent: 500 });
    expect(checkInvariants(books)).toEqual([]);
  });

  it('flags a refund of money already spent', () => {
    index = 0;
    const books = replayBooks([
      published(),
      donation('a', 1000, 1),
      disbursed('x', 500, [{ donationId: 'a', amount: 500 }]),
      ev('donation.refunded', {
        donationId: 'a',
        projectId: P,
        orgId: 'o1',
        amount: 1000,
        currency: 'CNY',
        reason: 'refund',
      }),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual(['refund_of_allocated_donation']);
  });

  it('takes back a partly spent donation (version 2): the rest leaves the queue, the spent part is owed', () => {
    index = 0;
    const v2 = (owed: number) =>
      ev(
        'donation.refunded',
        { donationId: 'a', projectId: P, orgId: 'o1', amount: 1000, currency: 'CNY', owed },
        2,
      );
    const events = [
      published(),
      donation('a', 1000, 1),
      donation('b', 1000, 2),
      disbursed('x', 600, [{ donationId: 'a', amount: 600 }]),
    ];
    const books = replayBooks([
      ...events,
      v2(600),
      // a's remaining 400 left with the refund: the next disbursement starts at b.
      disbursed('y', 1000, [{ donationId: 'b', amount: 1000 }]),
    ]);
    expect(books.violations).toEqual([]);
    expect(books.projects.get(P)).toMatchObject({
      raised: 2000,
      refunded: 1000,
      owed: 600,
      allocated: 1600,
      unspent: 0,
    });
    expect(books.donations.get('a')).toMatchObject({ refunded: true, allocated: 600 });
    expect(checkInvariants(books)).toEqual([]);

    // A claim of what is owed that is not what was spent is flagged; the books follow the
    // allocations on the log.
    index = 0;
    const claimed = replayBooks([...events, v2(0)]);
    expect(claimed.violations.map((v) => v.code)).toEqual(['refund_owed_mismatch']);
    expect(claimed.projects.get(P)).toMatchObject({ owed: 600, unspent: 1000 });
    expect(checkInvariants(claimed)).toEqual([]);
  });

  it('flags a donation received before its project opened, and not one on its first day anywhere on Earth', () => {
    index = 0;
    const at = (iso: string, e: LoggedEvent) => ({ ...e, event: { ...e.event, at: iso } });
    const books = replayBooks([
      published(), // starts 2026-01-01
      // 2025-12-31T09:59Z is 23:59 on the 31st at UTC+14: not open yet anywhere.
      at('2025-12-31T09:59:00.000Z', donation('early', 1000, 1)),
      // 10:00Z is midnight on 1 January at UTC+14: the first day has begun somewhere.
      at('2025-12-31T10:00:00.000Z', donation('first-day', 1000, 2)),
    ]);
    expect(books.violations.map((v) => [v.code, v.index])).toEqual([['donation_before_start', 1]]);
    // The money moved: the books count both.
    expect(books.projects.get(P)).toMatchObject({ raised: 2000, donations: 2 });
  });

  it('reads allocations continued over several events, and flags a missing part', () => {
    index = 0;
    const ok = replayBooks([
      published(),
      donation('a', 1000, 1),
      donation('b', 1000, 2),
      disbursed('x', 2000, [{ donationId: 'a', amount: 1000 }], 2),
      ev('funds.allocated', {
        disbursementId: 'x',
        projectId: P,
        part: 2,
        allocations: [{ donationId: 'b', amount: 1000 }],
      }),
    ]);
    expect(ok.violations).toEqual([]);
    index = 0;
    const missing = replayBooks([
      published(),
      donation('a', 1000, 1),
      donation('b', 1000, 2),
      disbursed('x', 2000, [{ donationId: 'a', amount: 1000 }], 2),
    ]);
    expect(missing.violations.map((v) => v.code)).toEqual(['missing_allocation_part']);
  });

  it('reports malformed events, donations to unknown projects, duplicates and double acknowledgements', () => {
    index = 0;
    const books = replayBooks([
      ev('donation.received', {
        donationId: 'z',
        projectId: 'nope',
        orgId: 'o',
        amount: 1,
        currency: 'CNY',
        paidSeq: 1,
        donor: 'a',
      }),
      published(),
      donation('a', 1000, 1),
      donation('a', 1000, 2),
      ev('donation.received', {
        donationId: 'q',
        projectId: P,
        amount: -5,
        currency: 'CNY',
        paidSeq: 3,
        donor: 'a',
      }),
      donation('u', 1000, 4),
      ev('donation.received', {
        donationId: 'usd',
        projectId: P,
        amount: 5,
        currency: 'USD',
        paidSeq: 5,
        donor: 'a',
      }),
      disbursed('x', 1000, [{ donationId: 'a', amount: 1000 }]),
      ev('funds.acknowledged', { disbursementId: 'x', projectId: P, orgId: 'o1', photo: null }),
      ev('funds.acknowledged', { disbursementId: 'x', projectId: P, orgId: 'o1', photo: null }),
    ]);
    expect(books.violations.map((v) => v.code)).toEqual([
      'unknown_project',
      'duplicate_id',
      'malformed_event',
      'wrong_currency',
      'acknowledged_twice',
    ]);
  });
});

describe('currency on the log', () => {
  it('flags a disbursement in another currency and changes no balance for it', () => {
    index = 0;
    const usd = disbursed('x', 500, [{ donationId: 'a', amount: 500 }]);
    usd.event.data.currency = 'USD';
    const books = replayBooks([published(), donation('a', 1000, 1), usd]);
    expect(books.violations.map((v) => v.code)).toEqual(['wrong_currency']);
    expect(books.projects.get(P)!.unspent).toBe(1000);
  });
});
