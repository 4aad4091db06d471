import type { OrgReview } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../ledger/append-event.js';
import { orgVerifiedEvent } from '../ledger/events.js';
import { findOrg } from './queries.js';

/**
 * The platform admin's decision on a pending charity. The status check and the update are
 * one statement, so two admins deciding at once cannot both win.
 */
export async function reviewOrg(
  db: Kysely<DB>,
  input: {
    orgId: string;
    adminId: string;
    decision: 'verified' | 'rejected';
    reason?: string;
    now: Date;
  },
) {
  return db.transaction().execute(async (tx) => {
    const exists = await tx
      .selectFrom('orgs')
      .select('id')
      .where('id', '=', input.orgId)
      .executeTakeFirst();
    if (!exists) throw new AppError('not_found');
    const reason = input.decision === 'rejected' ? input.reason!.trim() : null;
    const updated = await tx
      .updateTable('orgs')
      .set({
        status: input.decision,
        rejection_reason: reason,
        reviewed_at: input.now,
        reviewed_by: input.adminId,
        updated_at: input.now,
      })
      .where('id', '=', input.orgId)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw new AppError('org_not_pending');
    await tx
      .insertInto('org_reviews')
      .values({ org_id: input.orgId, decision: input.decision, reason, actor_id: input.adminId })
      .execute();
    const org = (await findOrg(tx, input.orgId))!;
    // A verification is public record: it goes on the log in the same transaction.
    if (input.decision === 'verified') await appendEvent(tx, orgVerifiedEvent(org, input.now));
    return org;
  });
}

export async function listReviews(db: Kysely<DB>, orgId: string): Promise<OrgReview[]> {
  const rows = await db
    .selectFrom('org_reviews')
    .select(['decision', 'reason', 'created_at'])
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    decision: r.decision,
    reason: r.reason,
    at: r.created_at.toISOString(),
  }));
}
