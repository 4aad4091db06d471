import { EVENT_TYPES, knownEvent, type LogEntries } from '@goodtrace/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOCATIONS_PER_EVENT } from '../src/ledger/events.js';
import { Client, createStaff, startTestApp, type TestApp } from './support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  paidDonationsBulk,
  providerCallback,
  publishedProject,
  samplePdf,
  upload,
} from './support/money.js';

/**
 * The events on the log are the contract's (@goodtrace/contract events.ts), which the books,
 * the web app and the audit tool read: a whole life of a project is logged, and every entry,
 * read back from the public API, is a known event of its declared shape.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function everyLoggedEvent() {
  await drainLog(t);
  const events: unknown[] = [];
  for (let from = 0; ; from += 256) {
    const page = (
      await t.app.inject(`/api/log/entries?from=${from}&limit=256`)
    ).json() as LogEntries;
    events.push(...page.items.map((e) => e.event));
    if (from + 256 >= page.treeSize) return events;
  }
}

describe('the events the server logs', () => {
  it('are each a known event of the contract’s shape, every type among them', async () => {
    const { owner, orgId, project } = await publishedProject(t);
    const budget = project.budget.map(({ id, label, amount }) => ({ id, label, amount }));
    const changed = await owner.patch(`/api/orgs/${orgId}/projects/${project.id}`, {
      budget: [...budget, { label: 'Shelves', amount: 100_000 }],
      budgetChangeReason: 'The school asked for shelves for the new books.',
    });
    expect(changed.statusCode, changed.body).toBe(200);

    // One refunded donation, then enough small ones that a disbursement's allocations take
    // a continuation event.
    const refunded = await paidDonation(t, project.id, 10_000);
    expect((await providerCallback(t, 'payment.refunded', refunded.donation.id)).statusCode).toBe(
      200,
    );
    await paidDonationsBulk(t, project.id, ALLOCATIONS_PER_EVENT + 1, 100);
    const payee = await beneficiary(owner, orgId);
    const sha = await upload(owner, orgId, samplePdf, 'application/pdf');
    const spent = await disburse(
      owner,
      { orgId, projectId: project.id, budgetLineId: project.budget[0]!.id },
      { amount: (ALLOCATIONS_PER_EVENT + 1) * 100, beneficiaryId: payee, evidence: [sha] },
    );
    expect(spent.statusCode, spent.body).toBe(201);
    const { id: disbursementId, ackCode } = spent.json() as { id: string; ackCode: string };
    const ack = await new Client(t.app).post(`/api/acknowledgements/${ackCode}`, {});
    expect(ack.statusCode, ack.body).toBe(200);

    const auditor = await createStaff(t, 'auditor@events.test', 'auditor');
    const filed = await auditor.post('/api/audit/findings', {
      orgId,
      disbursementId,
      title: 'Invoice without a delivery note',
      body: 'What arrived is not shown.',
      severity: 'low',
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const findingId = (filed.json() as { id: string }).id;
    const answered = await owner.post(`/api/orgs/${orgId}/findings/${findingId}/answers`, {
      body: 'The delivery note is attached to the second invoice.',
    });
    expect(answered.statusCode, answered.body).toBe(201);
    const closed = await auditor.post(`/api/audit/findings/${findingId}/close`);
    expect(closed.statusCode, closed.body).toBe(200);

    const events = await everyLoggedEvent();
    const unknown = events.filter((e) => knownEvent(e) === null);
    expect(unknown).toEqual([]);
    const types = new Set(events.map((e) => knownEvent(e)!.type));
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
  });
});
