import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { fen } from '../projects/money.js';

/** A signed-in donor's donations, newest first. */
export async function listMyDonations(
  db: Kysely<DB>,
  userId: string,
  page: number,
  pageSize: number,
) {
  const base = db
    .selectFrom('donations as d')
    .where('d.donor_user_id', '=', userId)
    .where('d.status', '!=', 'failed');
  const [rows, count] = await Promise.all([
    base
      .innerJoin('projects as p', 'p.id', 'd.project_id')
      .leftJoin('recurring_donations as r', 'r.id', 'd.recurring_id')
      .select([
        'd.id',
        'd.project_id',
        'p.title as project_title',
        'd.amount',
        'd.currency',
        'd.status',
        'd.allocated',
        'd.created_at',
        'd.paid_at',
        'r.status as monthly_status',
      ])
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      projectTitle: r.project_title,
      amount: fen(r.amount),
      currency: r.currency,
      status: r.status,
      spent: fen(r.allocated),
      createdAt: r.created_at.toISOString(),
      paidAt: r.paid_at ? r.paid_at.toISOString() : null,
      monthly: r.monthly_status ?? null,
    })),
    total: Number(count.n),
    page,
    pageSize,
  };
}

/** Stops the monthly donation that `donationId` belongs to; past payments stand. */
export async function stopMonthly(db: Kysely<DB>, userId: string, donationId: string, now: Date) {
  const d = await db
    .selectFrom('donations')
    .select(['recurring_id'])
    .where('id', '=', donationId)
    .where('donor_user_id', '=', userId)
    .executeTakeFirst();
  if (!d) throw new AppError('not_found', 'No such donation of yours.');
  if (!d.recurring_id) throw new AppError('monthly_not_active');
  const stopped = await db
    .updateTable('recurring_donations')
    .set({ status: 'stopped', stopped_at: now })
    .where('id', '=', d.recurring_id)
    .where('status', 'in', ['pending', 'active'])
    .executeTakeFirst();
  if (stopped.numUpdatedRows === 0n) throw new AppError('monthly_not_active');
}
