import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { hashPassword } from '../accounts/passwords.js';
import type { DB } from '../db/schema.js';
import type { FileStore } from '../files/file-store.js';
import { appendEvent } from '../ledger/append-event.js';
import { orgVerifiedEvent } from '../ledger/events.js';
import { seedDemoFindings } from './demo-findings.js';
import { seedDemoMoney } from './demo-money.js';

/**
 * Demo data for `npm start`: seeded only into an empty store (no accounts yet), switched
 * off with SEED_DEMO=false, and refused in production by the config. The README lists the
 * same accounts.
 */
export const demoAccounts = [
  {
    email: 'admin@goodtrace.demo',
    password: 'demo-admin-2026',
    name: 'Platform Admin',
    role: 'admin',
  },
  {
    email: 'auditor@goodtrace.demo',
    password: 'demo-auditor-2026',
    name: 'Independent Auditor',
    role: 'auditor',
  },
  { email: 'sunshine@goodtrace.demo', password: 'demo-charity-2026', name: 'Li Wei', role: null },
  {
    email: 'greenhills@goodtrace.demo',
    password: 'demo-charity-2026',
    name: 'Zhang Min',
    role: null,
  },
  { email: 'harbor@goodtrace.demo', password: 'demo-charity-2026', name: 'Chen Jing', role: null },
  { email: 'donor@goodtrace.demo', password: 'demo-donor-2026', name: 'Wang Fang', role: null },
] as const;

const demoOrgs = [
  {
    owner: 'sunshine@goodtrace.demo',
    name: '阳光乡村教育基金会 Sunshine Rural Education Foundation',
    registration_number: '53100000MJ0012345X',
    city: 'Chengdu',
    cause: 'education',
    contact_email: 'contact@sunshine-edu.example',
    description:
      'Textbooks, libraries and teacher training for village schools in western Sichuan. ' +
      '为川西乡村学校提供教材、图书角和教师培训。',
    status: 'verified',
  },
  {
    owner: 'greenhills@goodtrace.demo',
    name: '青山植树协会 Green Hills Tree Planting Association',
    registration_number: '51620000MJ0067890Y',
    city: 'Lanzhou',
    cause: 'environment',
    contact_email: 'hello@greenhills.example',
    description:
      'Plants and tends drought-resistant trees on the edge of the Tengger desert, with local herders. ' +
      '与当地牧民一起在腾格里沙漠边缘种植并养护耐旱树种。',
    status: 'verified',
  },
  {
    owner: 'harbor@goodtrace.demo',
    name: '港湾长者关怀协会 Harbor Elderly Care Society',
    registration_number: '53350200MJ0024680Z',
    city: 'Xiamen',
    cause: 'elderly',
    contact_email: 'care@harbor-elderly.example',
    description:
      'Home visits, meals and companionship for elderly people living alone in Xiamen. ' +
      '为厦门独居老人提供上门探访、送餐与陪伴。',
    status: 'pending',
  },
] as const;

export async function seedDemoData(
  db: Kysely<DB>,
  log: FastifyBaseLogger,
  now: Date,
  files: FileStore,
): Promise<boolean> {
  const seeded = await db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) return false;
    const ids = new Map<string, string>();
    for (const a of demoAccounts) {
      const { id } = await tx
        .insertInto('users')
        .values({
          email: a.email,
          password_hash: await hashPassword(a.password),
          display_name: a.name,
          platform_role: a.role,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.set(a.email, id);
    }
    const adminId = ids.get('admin@goodtrace.demo')!;
    for (const o of demoOrgs) {
      const { owner, ...org } = o;
      const verified = org.status === 'verified';
      const { id } = await tx
        .insertInto('orgs')
        .values({
          ...org,
          created_by: ids.get(owner)!,
          reviewed_at: verified ? now : null,
          reviewed_by: verified ? adminId : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('org_members')
        .values({ org_id: id, user_id: ids.get(owner)!, role: 'owner' })
        .execute();
      if (verified) {
        await tx
          .insertInto('org_reviews')
          .values({ org_id: id, decision: 'verified', reason: null, actor_id: adminId })
          .execute();
        await appendEvent(tx, orgVerifiedEvent({ id, ...org }, now));
      }
    }
    return true;
  });
  // Projects and money in their own transactions (the domain functions open them); skipped
  // once any project exists, so an interrupted first start finishes on the next one.
  await seedDemoMoney(db, files, now);
  // A finding on the overdue disbursement, answered: the auditor's console is not empty.
  await seedDemoFindings(db, now);
  if (seeded) {
    log.info(
      {
        accounts: demoAccounts.map(
          (a) => `${a.email} / ${a.password}${a.role ? ` (${a.role})` : ''}`,
        ),
      },
      'Seeded demo data into an empty store. Demo accounts (email / password) — never use these in production:',
    );
  }
  return seeded;
}
