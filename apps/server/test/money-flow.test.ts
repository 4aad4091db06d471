import { verifyReceipt } from '@goodtrace/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBooks } from '../src/books/check-books.js';
import { donorCommitment } from '../src/donations/donor-secret.js';
import { receiptPdfData } from '../src/donations/queries.js';
import { chargeDueMonthly } from '../src/donations/recurring.js';
import { Client, errorCode, startTestApp, type TestApp, testLogOrigin } from './support/app.js';
import {
  beneficiary,
  drainLog,
  paidDonation,
  publishedProject,
  samplePdf,
  samplePng,
  startGuestDonation,
  upload,
} from './support/money.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function logKey() {
  return (await t.app.inject({ method: 'GET', url: '/log/key' })).body.trim();
}

describe('a yuan followed from the donor to the beneficiary', () => {
  it('a guest donation is credited only by the verified callback, and its receipt verifies offline', async () => {
    const { project } = await publishedProject(t);
    const started = await startGuestDonation(t, project.id, 5000, {
      displayName: 'Li Wei',
      message: 'For the kids',
    });
    expect(started.payment).toMatchObject({ provider: 'sandbox', testMode: true });

    // Not paid yet: nothing credited, no receipt, not listed.
    let page = (await t.app.inject({ method: 'GET', url: `/api/projects/${project.id}` })).json();
    expect(page.raised).toBe(0);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/receipts/${started.donation.id}` }))
        .statusCode,
    ).toBe(404);

    const paid = await new Client(t.app).post(`/api/payments/sandbox/${started.donation.id}/pay`, {
      token: started.accessToken,
      outcome: 'succeeded',
    });
    expect(paid.json()).toMatchObject({ outcome: 'credited' });
    page = (await t.app.inject({ method: 'GET', url: `/api/projects/${project.id}` })).json();
    expect(page).toMatchObject({ raised: 5000, spent: 0, donations: 1, flow: { unspent: 5000 } });

    const list = (
      await t.app.inject({ method: 'GET', url: `/api/projects/${project.id}/donations` })
    ).json();
    expect(list.items).toEqual([
      expect.objectContaining({
        receiptId: started.donation.id,
        amount: 5000,
        displayName: 'Li Wei',
        anonymous: false,
      }),
    ]);

    await drainLog(t);
    const receipt = (
      await t.app.inject({ method: 'GET', url: `/api/receipts/${started.donation.id}` })
    ).json();
    const verified = verifyReceipt(receipt, {
      logKey: await logKey(),
      witnesses: [],
      quorum: 0,
      origin: testLogOrigin,
    });
    expect(verified.event).toMatchObject({
      type: 'donation.received',
      data: { donationId: started.donation.id, amount: 5000 },
    });
    // The log names no one: the donor is a commitment only the donor's secret opens.
    expect(JSON.stringify(verified.event)).not.toContain('guest@example.org');
    expect(JSON.stringify(verified.event)).not.toContain('Li Wei');
    const mine = (
      await t.app.inject({
        method: 'GET',
        url: `/api/donations/${started.donation.id}?token=${started.accessToken}`,
      })
    ).json();
    expect(verified.event.data.donor).toBe(
      donorCommitment(Buffer.from(mine.donor.secret, 'hex'), started.donation.id),
    );
  });

  it('a disbursement takes the oldest donations first, the beneficiary confirms once, and the trace shows it all', async () => {
    const { owner, orgId, project } = await publishedProject(t);
    const a = await paidDonation(t, project.id, 3000);
    const b = await paidDonation(t, project.id, 2000);
    const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
    const payee = await beneficiary(owner, orgId);
    const res = await owner.post(`/api/orgs/${orgId}/projects/${project.id}/disbursements`, {
      amount: 4000,
      currency: 'CNY',
      budgetLineId: project.budget[0]!.id,
      beneficiaryId: payee,
      purpose: 'Textbooks, grade 3',
      date: '2026-11-20',
      evidence: [{ sha256: invoice, kind: 'invoice' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const disbursement = res.json();
    expect(disbursement.allocations).toEqual([
      { donationId: a.donation.id, amount: 3000 },
      { donationId: b.donation.id, amount: 1000 },
    ]);

    // The beneficiary: no account, the code only.
    const beneficiaryClient = new Client(t.app);
    const ask = await beneficiaryClient.get(`/api/acknowledgements/${disbursement.ackCode}`);
    expect(ask.json()).toMatchObject({
      amount: 4000,
      purpose: 'Textbooks, grade 3',
      acknowledgedAt: null,
    });
    const photo = await beneficiaryClient.request(
      'POST',
      `/api/acknowledgements/${disbursement.ackCode}/photo`,
      samplePng,
      {
        'content-type': 'image/png',
      },
    );
    expect(photo.statusCode, photo.body).toBe(201);
    const confirm = await beneficiaryClient.post(
      `/api/acknowledgements/${disbursement.ackCode.toLowerCase()}`,
      {
        note: 'Books arrived, thank you',
        photoSha256: photo.json().sha256,
      },
    );
    expect(confirm.statusCode, confirm.body).toBe(200);
    const again = await beneficiaryClient.post(`/api/acknowledgements/${disbursement.ackCode}`, {});
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'already_acknowledged']);
    const forged = await beneficiaryClient.post('/api/acknowledgements/AAAAA-BBBBB-CCCCC', {});
    expect([forged.statusCode, errorCode(forged)]).toEqual([404, 'invalid_token']);

    await drainLog(t);
    const trace = (
      await t.app.inject({
        method: 'GET',
        url: `/api/donations/${b.donation.id}/trace?token=${b.accessToken}`,
      })
    ).json();
    expect(trace.unspent).toBe(1000);
    expect(trace.allocations).toHaveLength(1);
    const [link] = trace.allocations;
    expect(link).toMatchObject({
      amount: 1000,
      disbursement: {
        purpose: 'Textbooks, grade 3',
        payee: { name: 'Hillside Primary School', kind: 'school' },
      },
      acknowledgement: { note: 'Books arrived, thank you' },
    });
    const key = await logKey();
    const policy = { logKey: key, witnesses: [], quorum: 0, origin: testLogOrigin };
    const disbursed = verifyReceipt(link.disbursement.receipt, policy).event;
    expect(disbursed.data.allocations).toContainEqual({ donationId: b.donation.id, amount: 1000 });
    expect(disbursed.data.evidence).toEqual([
      { sha256: invoice, kind: 'invoice', mediaType: 'application/pdf' },
    ]);
    expect(verifyReceipt(link.acknowledgement.receipt, policy).event.data.disbursementId).toBe(
      disbursement.id,
    );
    expect(verifyReceipt(trace.donation.receipt, policy).event.data.donationId).toBe(b.donation.id);

    // The evidence is served by its hash, as stored.
    const file = await t.app.inject({ method: 'GET', url: `/api/files/${invoice}` });
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.rawPayload.equals(samplePdf)).toBe(true);

    const page = (await t.app.inject({ method: 'GET', url: `/api/projects/${project.id}` })).json();
    expect(page).toMatchObject({ raised: 5000, spent: 4000, confirmed: 4000, unspent: 1000 });
    expect(page.budget[0]).toMatchObject({ label: 'Books', spent: 4000 });
    expect(page.events.map((e: { type: string }) => e.type)).toEqual([
      'funds.acknowledged',
      'funds.disbursed',
      'project.published',
    ]);

    const check = await checkBooks(t.database.db);
    expect(check.violations).toEqual([]);
    expect(check.invariants).toEqual([]);
    expect(check.differences).toEqual([]);
  });

  it('a printable PDF receipt is served for a paid donation, and only for a paid one', async () => {
    const { project } = await publishedProject(t);
    const paid = await paidDonation(t, project.id, 8800);
    const pdf = await t.app.inject({ method: 'GET', url: `/api/receipts/${paid.donation.id}/pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const pending = await startGuestDonation(t, project.id, 100);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/receipts/${pending.donation.id}/pdf` }))
        .statusCode,
    ).toBe(404);
  });

  it("a PDF receipt names the donation's place on the log: its index, its leaf hash and a log size that covers it", async () => {
    const { project } = await publishedProject(t, { title: 'Desks for Riverside School' });
    const paid = await paidDonation(t, project.id, 4200, { displayName: 'Wang Fang' });
    await drainLog(t);
    const receipt = (
      await t.app.inject({ method: 'GET', url: `/api/receipts/${paid.donation.id}` })
    ).json();
    const entry = (
      await t.app.inject({ method: 'GET', url: `/api/log/entries/${receipt.leafIndex}` })
    ).json();
    expect(entry.event.data).toMatchObject({ donationId: paid.donation.id });
    const data = await receiptPdfData(t.database.db, paid.donation.id);
    expect(data).toMatchObject({
      donationId: paid.donation.id,
      projectTitle: 'Desks for Riverside School',
      amount: 4200,
      currency: 'CNY',
      displayName: 'Wang Fang',
      logIndex: receipt.leafIndex,
      leafHashHex: Buffer.from(entry.leafHash, 'base64').toString('hex'),
      testMoney: true,
    });
    expect(data.checkpointSize).toBeGreaterThan(receipt.leafIndex);
  });

  it('a monthly donation is charged once a month, never twice for the same month, until stopped', async () => {
    const { project } = await publishedProject(t);
    const donor = await new Client(t.app).signUp(`monthly-${Date.now()}@example.org`);
    const first = await donor.request(
      'POST',
      `/api/projects/${project.id}/donations`,
      { amount: 1000, currency: 'CNY', frequency: 'monthly' },
      { 'idempotency-key': `monthly-test-${Date.now()}` },
    );
    expect(first.statusCode, first.body).toBe(201);
    const { donation, accessToken } = first.json();
    // Not due before the first payment: the schedule starts when money actually arrives.
    const nextMonth = new Date(Date.now() + 32 * 86_400_000);
    expect(await chargeDueMonthly(t.app.donations, nextMonth)).toHaveLength(0);
    await new Client(t.app).post(`/api/payments/sandbox/${donation.id}/pay`, {
      token: accessToken,
      outcome: 'succeeded',
    });

    const [renewal, ...more] = await chargeDueMonthly(t.app.donations, nextMonth);
    expect(more).toHaveLength(0);
    expect(renewal).toMatchObject({
      created: true,
      donation: { amount: 1000, frequency: 'monthly' },
    });
    expect(await chargeDueMonthly(t.app.donations, nextMonth)).toHaveLength(0);

    const stop = await donor.delete(`/api/my/donations/${donation.id}/monthly`);
    expect(stop.statusCode).toBe(204);
    const later = new Date(Date.now() + 100 * 86_400_000);
    expect(await chargeDueMonthly(t.app.donations, later)).toHaveLength(0);
    const mine = (await donor.get('/api/my/donations')).json();
    expect(mine.items.map((d: { monthly: string }) => d.monthly)).toEqual(['stopped', 'stopped']);
  });

  it('a project past its end date takes no more donations', async () => {
    const { project } = await publishedProject(t, {
      startDate: '2025-01-01',
      endDate: '2025-12-31',
    });
    for (const frequency of ['once', 'monthly']) {
      const res = await new Client(t.app).request(
        'POST',
        `/api/projects/${project.id}/donations`,
        { amount: 1000, currency: 'CNY', email: 'late@example.org', frequency },
        { 'idempotency-key': `ended-${frequency}-${Date.now()}` },
      );
      expect([res.statusCode, errorCode(res)]).toEqual([409, 'project_not_open']);
    }
    const rows = await t.database.db
      .selectFrom('donations')
      .select('id')
      .where('project_id', '=', project.id)
      .execute();
    expect(rows).toEqual([]);
  });
});
