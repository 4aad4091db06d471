import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBooks } from '../src/books/check-books.js';
import { demoAccounts, seedDemoData } from '../src/seed/demo.js';
import { Client, startTestApp, type TestApp } from './support/app.js';
import { drainLog } from './support/money.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { SEED_DEMO: 'true' } });
});
afterAll(() => t.close());

describe('demo data', () => {
  it('is seeded into an empty store: an admin, an auditor, a donor, two verified charities and one pending', async () => {
    const anon = new Client(t.app);
    const verified = (await anon.get('/api/orgs')).json();
    expect(verified.total).toBe(2);
    const admin = await new Client(t.app).signIn('admin@goodtrace.demo', 'demo-admin-2026');
    const pending = (await admin.get('/api/admin/orgs?status=pending')).json();
    expect(pending.items.map((o: { city: string }) => o.city)).toEqual(['Xiamen']);
    const auditor = await new Client(t.app).signIn('auditor@goodtrace.demo', 'demo-auditor-2026');
    expect((await auditor.get('/api/auth/session')).json().user.platformRole).toBe('auditor');
    for (const a of demoAccounts) await new Client(t.app).signIn(a.email, a.password);
  });

  it('is never seeded twice, nor into a store that has accounts', async () => {
    const log = pino({ level: 'silent' });
    const projects = await t.database.db.selectFrom('projects').select('id').execute();
    expect(await seedDemoData(t.database.db, log, new Date(), t.app.files)).toBe(false);
    const users = await t.database.db.selectFrom('users').select('id').execute();
    expect(users).toHaveLength(demoAccounts.length);
    expect(await t.database.db.selectFrom('projects').select('id').execute()).toHaveLength(
      projects.length,
    );
  });

  it('shows a newcomer a real trace: paid donations, spending with evidence, confirmations, and books that match the log', async () => {
    const anon = new Client(t.app);
    const projects = (await anon.get('/api/projects')).json();
    expect(projects.total).toBe(2);
    const textbooks = projects.items.find((p: { cause: string }) => p.cause === 'education');
    const page = (await anon.get(`/api/projects/${textbooks.id}`)).json();
    expect(page.raised).toBeGreaterThan(0);
    expect(page.spent).toBe(1_380_000);
    expect(page.confirmed).toBe(1_200_000);
    expect(page.flow.overdue).toEqual({ count: 1, amount: 180_000 });
    const donations = (
      await anon.get(`/api/projects/${textbooks.id}/donations?pageSize=100`)
    ).json();
    expect(donations.items.length).toBeGreaterThan(20);
    expect(donations.items.some((d: { anonymous: boolean }) => d.anonymous)).toBe(true);
    const disbursements = (await anon.get(`/api/projects/${textbooks.id}/disbursements`)).json()
      .items;
    const evidence = disbursements.flatMap((d: { evidence: { url: string }[] }) => d.evidence);
    for (const e of evidence) expect((await anon.get(e.url)).statusCode).toBe(200);

    // The demo donor can follow their money.
    const donor = await new Client(t.app).signIn('donor@goodtrace.demo', 'demo-donor-2026');
    const mine = (await donor.get('/api/my/donations')).json();
    expect(mine.total).toBeGreaterThan(0);
    await drainLog(t);
    const spent = mine.items.find((d: { spent: number }) => d.spent > 0);
    const trace = (await donor.get(`/api/donations/${spent.id}/trace`)).json();
    expect(trace.allocations.length).toBeGreaterThan(0);
    expect(trace.donation.receipt).not.toBeNull();

    const check = await checkBooks(t.database.db);
    expect([check.violations, check.invariants, check.differences]).toEqual([[], [], []]);
  });

  it('shows the case of a refund after the money was spent: the spent part is owed by the charity, on the project and on the donor’s page', async () => {
    const anon = new Client(t.app);
    const projects = (await anon.get('/api/projects')).json();
    const textbooks = projects.items.find((p: { cause: string }) => p.cause === 'education');
    const page = (await anon.get(`/api/projects/${textbooks.id}`)).json();
    expect(page.owed).toBe(55_000);
    expect(page.flow).toMatchObject({ refunded: 100_000, owed: 55_000 });
    // raised − refunded + owed = spent + unspent (docs/money.md)
    const f = page.flow;
    expect(f.raised - f.refunded + f.owed).toBe(f.spent + f.unspent);
    const trees = projects.items.find((p: { cause: string }) => p.cause === 'environment');
    expect(trees.owed).toBe(0);

    const donor = await new Client(t.app).signIn('donor@goodtrace.demo', 'demo-donor-2026');
    const mine = (await donor.get('/api/my/donations?pageSize=100')).json();
    const refunded = mine.items.filter((d: { status: string }) => d.status === 'refunded');
    expect(refunded).toEqual([expect.objectContaining({ amount: 100_000, spent: 55_000 })]);
    const trace = (await donor.get(`/api/donations/${refunded[0].id}/trace`)).json();
    expect(trace.donation.refund).toMatchObject({ reason: 'refund', owed: 55_000 });
    expect(trace.allocations.map((a: { amount: number }) => a.amount)).toEqual([55_000]);
  });

  it('gives the auditor’s console something to show: a finding on the overdue disbursement, answered by the charity', async () => {
    const auditor = await new Client(t.app).signIn('auditor@goodtrace.demo', 'demo-auditor-2026');
    const findings = (await auditor.get('/api/audit/findings')).json().items;
    expect(findings).toEqual([
      expect.objectContaining({
        status: 'answered',
        disbursement: expect.objectContaining({ amount: 180_000 }),
        answers: [expect.objectContaining({ body: expect.any(String) })],
      }),
    ]);
    const anomalies = (await auditor.get('/api/audit/anomalies')).json();
    expect(anomalies.items).toContainEqual(
      expect.objectContaining({
        code: 'unconfirmed_disbursement',
        disbursementId: findings[0].disbursement.id,
      }),
    );
    const charity = await new Client(t.app).signIn('sunshine@goodtrace.demo', 'demo-charity-2026');
    const own = (await charity.get(`/api/orgs/${findings[0].orgId}/findings`)).json().items;
    expect(own.map((f: { id: string }) => f.id)).toEqual([findings[0].id]);
  });
});
