import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, seedDemoData } from '../src/seed/demo.js';
import { Client, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { SEED_DEMO: 'true' } });
});
afterAll(() => t.close());

describe('demo data', () => {
  it('is seeded into an empty store: an admin, an auditor, two verified charities and one pending', async () => {
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
    expect(await seedDemoData(t.database.db, log)).toBe(false);
    const users = await t.database.db.selectFrom('users').select('id').execute();
    expect(users).toHaveLength(demoAccounts.length);
  });
});
