import type { Kysely } from 'kysely';
import { answerFinding, fileFinding } from '../audit/findings.js';
import type { DB } from '../db/schema.js';

const DAY = 86_400_000;

/**
 * One finding for the demo, so the auditor's console is not empty on `npm start`: the demo
 * auditor asks about the freight disbursement its beneficiary never confirmed, and the charity
 * answers. Through the same domain functions as the API (rows and log events together);
 * skipped once any finding exists.
 */
export async function seedDemoFindings(db: Kysely<DB>, now: Date): Promise<void> {
  if (await db.selectFrom('findings').select('id').limit(1).executeTakeFirst()) return;
  const auditor = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'auditor@goodtrace.demo')
    .executeTakeFirst();
  const overdue = await db
    .selectFrom('disbursements as d')
    .innerJoin('org_members as m', (j) =>
      j.onRef('m.org_id', '=', 'd.org_id').on('m.role', '=', 'owner'),
    )
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['d.id', 'd.org_id', 'm.user_id'])
    .where('u.email', '=', 'sunshine@goodtrace.demo')
    .where('d.acknowledged_at', 'is', null)
    .orderBy('d.created_at')
    .executeTakeFirst();
  if (!auditor || !overdue) return;
  const { id } = await fileFinding(
    db,
    auditor.id,
    {
      orgId: overdue.org_id,
      disbursementId: overdue.id,
      title: 'Freight paid 40 days ago, never confirmed 运费支出40天仍未确认',
      body:
        'The logistics company has not confirmed receipt of ¥1,800.00 for the first textbook shipment. ' +
        'Please show the signed delivery note, or ask the carrier to confirm with the one-time code.\n\n' +
        '物流公司至今未确认收到首批教材运费1,800元。请提供签收的送货单，或请承运方用一次性确认码确认收款。',
      severity: 'medium',
    },
    new Date(now.getTime() - 3 * DAY),
  );
  await answerFinding(
    db,
    {
      orgId: overdue.org_id,
      findingId: id,
      userId: overdue.user_id,
      body:
        'The carrier changed its accountant and lost the code; we sent a new request and attach the signed ' +
        'delivery note from Luhuo Central Primary School in the meantime.\n\n' +
        '承运方更换了会计，遗失了确认码；我们已重新发送请求，并先附上炉霍县中心小学签收的送货单。',
    },
    new Date(now.getTime() - 2 * DAY),
  );
}
