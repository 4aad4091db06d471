import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBooks } from '../src/books/check-books.js';
import { Client, errorCode, startTestApp, type TestApp } from './support/app.js';
import {
  creditInserted,
  drainLog,
  expectBooksAgree,
  insertPendingDonations,
  moneySnapshot,
  providerCallback,
  publishedProject,
  startGuestDonation,
} from './support/money.js';

/**
 * A project takes donations from its start date to its end date, both included wherever the
 * donor is (packages/books openDays: a day has begun once it has begun anywhere on Earth and is
 * not over until it is over everywhere). Before the start a donation is refused with
 * project_not_open naming the date, by the one path that starts donations; a payment for a
 * donation started in time is credited even if its callback comes after the end (the money
 * has moved); and a donation credited before its project opened, behind the server's back,
 * is a violation the books replay reports.
 */
let now = new Date('2026-12-31T09:59:00.000Z');
let t: TestApp;
let projectId: string;
beforeAll(async () => {
  t = await startTestApp({ clock: () => now });
  projectId = (await publishedProject(t, { startDate: '2027-01-01', endDate: '2027-01-05' }))
    .project.id;
});
afterAll(async () => {
  await t.close();
});

function donate(frequency: 'once' | 'monthly' = 'once') {
  return new Client(t.app).request(
    'POST',
    `/api/projects/${projectId}/donations`,
    { amount: 1000, currency: 'CNY', email: 'early@example.org', frequency },
    { 'idempotency-key': randomUUID() },
  );
}

describe('the days a project takes donations', () => {
  it('before its start date a donation is refused with project_not_open naming the date, once or monthly, and nothing is stored', async () => {
    // 23:59 on 31 December at UTC+14, the first zone to enter a day: not 1 January anywhere.
    now = new Date('2026-12-31T09:59:00.000Z');
    const before = await moneySnapshot(t);
    for (const frequency of ['once', 'monthly'] as const) {
      const res = await donate(frequency);
      expect([res.statusCode, errorCode(res)]).toEqual([409, 'project_not_open']);
      expect(res.json().error.message).toContain('2027-01-01');
    }
    // Several at once share one statement: each is refused the same.
    const together = await Promise.all(Array.from({ length: 5 }, () => donate()));
    expect(together.map((r) => [r.statusCode, errorCode(r)])).toEqual(
      Array(5).fill([409, 'project_not_open']),
    );
    expect(await moneySnapshot(t)).toEqual(before);
  });

  it('from the moment its start date has begun anywhere on Earth it takes donations', async () => {
    now = new Date('2026-12-31T10:00:00.000Z');
    const once = await donate();
    expect(once.statusCode, once.body).toBe(201);
    const monthly = await donate('monthly');
    expect(monthly.statusCode, monthly.body).toBe(201);
  });

  it('a donation started on the last day is credited when its payment is confirmed after the end; a new one is refused, naming the end', async () => {
    // 12:00 UTC on 5 January: still the 5th somewhere.
    now = new Date('2027-01-05T12:00:00.000Z');
    const { donation } = await startGuestDonation(t, projectId, 2500);
    now = new Date('2027-01-07T00:00:00.000Z');
    const late = await donate();
    expect([late.statusCode, errorCode(late)]).toEqual([409, 'project_not_open']);
    expect(late.json().error.message).toContain('2027-01-05');
    const paid = await providerCallback(t, 'payment.succeeded', donation.id);
    expect(paid.json()).toMatchObject({ outcome: 'credited' });
    await expectBooksAgree(t);
  });

  it('a donation credited before its project opened, behind the server’s back, is a violation the replay reports at its index', async () => {
    now = new Date('2027-01-08T00:00:00.000Z');
    const { project } = await publishedProject(t, {
      startDate: '2027-03-01',
      endDate: '2027-06-30',
    });
    // What an operator bypassing the start rule would write: a pending row, then the credit.
    const db = t.database.db;
    const id = randomUUID();
    await insertPendingDonations(t, project.id, [id], 700, now);
    await creditInserted(t, [id], 700, now);
    await drainLog(t);
    const check = await checkBooks(db);
    expect(check.violations.map((v) => v.code)).toEqual(['donation_before_start']);
    const entry = (
      await new Client(t.app).get(`/api/log/entries/${check.violations[0]!.index}`)
    ).json();
    expect(entry.event).toMatchObject({ type: 'donation.received', data: { donationId: id } });
    // The money moved: the books still count it, and agree with the database.
    expect(check.differences).toEqual([]);
    expect(check.invariants).toEqual([]);
  });
});
