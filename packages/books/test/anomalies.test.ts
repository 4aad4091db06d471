import { describe, expect, it } from 'vitest';
import {
  allocateFifo,
  findAnomalies,
  isRoundAmount,
  type LoggedEvent,
  largeDisbursements,
  replayBooks,
} from '../src/index.js';

/** A tiny log writer: events at given days after 2026-01-01, FIFO allocations computed here. */
function log() {
  const events: LoggedEvent[] = [];
  const queue: { donationId: string; remaining: number }[] = [];
  let seq = 0;
  const at = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString();
  const push = (day: number, type: string, data: Record<string, unknown>) =>
    events.push({ index: events.length, event: { type, v: 1, at: at(day), data } });
  return {
    events,
    at,
    publish(goal = 10_000_000, budget = [{ id: 'l1', label: 'Books', amount: 10_000_000 }]) {
      push(0, 'project.published', {
        projectId: 'p1',
        orgId: 'o1',
        title: 't',
        goal,
        currency: 'CNY',
        budget,
      });
    },
    donate(day: number, amount: number) {
      const donationId = `d${++seq}`;
      queue.push({ donationId, remaining: amount });
      push(day, 'donation.received', {
        donationId,
        projectId: 'p1',
        orgId: 'o1',
        amount,
        currency: 'CNY',
        paidSeq: seq,
        donor: 'ab',
      });
    },
    disburse(day: number, id: string, amount: number, budgetLineId = 'l1') {
      // The rule the server allocates with; the fixture only consumes what it allocated.
      const allocations = allocateFifo(queue, amount);
      if (!allocations) throw new Error(`the fixture disburses ${amount} beyond its donations`);
      for (const a of allocations)
        queue.find((q) => q.donationId === a.donationId)!.remaining -= a.amount;
      push(day, 'funds.disbursed', {
        disbursementId: id,
        projectId: 'p1',
        orgId: 'o1',
        amount,
        currency: 'CNY',
        budgetLineId,
        evidence: [],
        allocations,
      });
    },
    acknowledge(day: number, id: string) {
      push(day, 'funds.acknowledged', { disbursementId: id, projectId: 'p1', orgId: 'o1' });
    },
  };
}

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);

describe('anomalies in the books', () => {
  it('finds none in a project that spends steadily and is confirmed', () => {
    const l = log();
    l.publish();
    l.donate(1, 500_000);
    l.disburse(2, 'x1', 123_456);
    l.acknowledge(5, 'x1');
    const books = replayBooks(l.events);
    expect(books.violations).toEqual([]);
    expect(findAnomalies(books, { now: day(60) })).toEqual([]);
  });

  it('flags a disbursement unacknowledged 30 days after it was made, not 29', () => {
    const l = log();
    l.publish();
    l.donate(1, 500_000);
    l.disburse(10, 'x1', 123_456);
    const books = replayBooks(l.events);
    expect(findAnomalies(books, { now: day(39) })).toEqual([]);
    expect(findAnomalies(books, { now: day(40) })).toEqual([
      {
        code: 'unconfirmed_disbursement',
        index: 2,
        projectId: 'p1',
        orgId: 'o1',
        disbursementId: 'x1',
        amount: 123_456,
        message: expect.stringContaining('30 days'),
      },
    ]);
  });

  it('flags a budget line once, at the disbursement that took it over, with the excess', () => {
    const l = log();
    l.publish(10_000_000, [
      { id: 'l1', label: 'Books', amount: 200_000 },
      { id: 'l2', label: 'Desks', amount: 9_800_000 },
    ]);
    l.donate(1, 1_000_000);
    l.disburse(2, 'x1', 150_000);
    l.disburse(2, 'x2', 100_000);
    l.disburse(2, 'x3', 10_000);
    l.disburse(2, 'x4', 10_000, 'nope');
    for (const id of ['x1', 'x2', 'x3', 'x4']) l.acknowledge(3, id);
    const found = findAnomalies(replayBooks(l.events), { now: day(10) });
    expect(found.map((a) => [a.code, a.index, a.disbursementId, a.amount])).toEqual([
      ['budget_line_overrun', 3, 'x2', 60_000],
      ['budget_line_overrun', 5, 'x4', 10_000],
    ]);
    expect(found[0]!.message).toContain('"Books" (l1) is spent ¥2,600.00 of its ¥2,000.00');
    expect(found[1]!.message).toContain('which the budget does not have');
  });

  it('flags a disbursement far above the usual ones and a large share of the goal', () => {
    const l = log();
    l.publish(10_000_000);
    l.donate(1, 10_000_000);
    for (const id of ['a', 'b', 'c']) l.disburse(2, id, 100_001);
    l.disburse(3, 'big', 5_000_001);
    for (const id of ['a', 'b', 'c', 'big']) l.acknowledge(4, id);
    const found = findAnomalies(replayBooks(l.events), { now: day(10) });
    expect(found.map((a) => [a.code, a.disbursementId])).toEqual([['large_disbursement', 'big']]);
    expect(found[0]!.message).toContain('50× the project');
  });

  it('does not call a disbursement large without enough others to compare, or below the goal share', () => {
    const few = log();
    few.publish(10_000_000);
    few.donate(1, 10_000_000);
    few.disburse(2, 'a', 100_001);
    few.disburse(2, 'b', 100_001);
    few.disburse(3, 'big', 9_000_001);
    expect(largeDisbursements(replayBooks(few.events))).toEqual([]);
    const small = log();
    small.publish(100_000_000);
    small.donate(1, 10_000_000);
    for (const id of ['a', 'b', 'c']) small.disburse(2, id, 100_001);
    small.disburse(3, 'big', 5_000_001);
    expect(largeDisbursements(replayBooks(small.events))).toEqual([]);
  });

  it('calls round only large multiples of ¥10,000', () => {
    expect(isRoundAmount(5_000_000)).toBe(true);
    expect(isRoundAmount(12_000_000)).toBe(true);
    expect(isRoundAmount(4_000_000)).toBe(false);
    expect(isRoundAmount(5_000_100)).toBe(false);
    const l = log();
    l.publish(100_000_000, [{ id: 'l1', label: 'Books', amount: 100_000_000 }]);
    l.donate(1, 10_000_000);
    l.disburse(2, 'x1', 6_000_000);
    l.acknowledge(3, 'x1');
    expect(findAnomalies(replayBooks(l.events), { now: day(10) })).toEqual([
      expect.objectContaining({ code: 'round_disbursement', index: 2, amount: 6_000_000 }),
    ]);
  });

  it('flags unspent money idle 90 days since the last disbursement, or since the first donation', () => {
    const never = log();
    never.publish();
    never.donate(5, 1000);
    never.donate(50, 1000);
    const books = replayBooks(never.events);
    expect(findAnomalies(books, { now: day(94) })).toEqual([]);
    expect(findAnomalies(books, { now: day(95) })).toEqual([
      expect.objectContaining({ code: 'idle_money', index: 1, projectId: 'p1', amount: 2000 }),
    ]);
    const spent = log();
    spent.publish();
    spent.donate(1, 3000);
    spent.disburse(20, 'x1', 1000);
    spent.acknowledge(21, 'x1');
    const after = replayBooks(spent.events);
    expect(findAnomalies(after, { now: day(109) })).toEqual([]);
    expect(findAnomalies(after, { now: day(110) })).toEqual([
      expect.objectContaining({ code: 'idle_money', index: 2, amount: 2000 }),
    ]);
    expect(after.projects.get('p1')!.lastDisbursement).toEqual({ index: 2, at: spent.at(20) });
  });

  it('does not flag a project whose money is all spent', () => {
    const l = log();
    l.publish();
    l.donate(1, 1000);
    l.disburse(2, 'x1', 1000);
    l.acknowledge(3, 'x1');
    expect(findAnomalies(replayBooks(l.events), { now: day(400) })).toEqual([]);
  });
});
