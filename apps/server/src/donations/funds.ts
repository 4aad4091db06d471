import { type Allocation, allocateFifo } from '@goodtrace/books';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { FUND_SHARDS, fen } from '../projects/money.js';

/*
 * A project's money, spread over FUND_SHARDS rows of `project_funds` so that no single row is
 * hot (docs/money.md, "Balances without a hot row"). Only the donations context names that
 * table (here, the credit path and the refund rule); other contexts open, sum and spend a
 * project's funds through the functions below.
 */

/** One fund shard and its unspent balance, as locked. */
interface Shard {
  shard: number;
  balance: number;
}

/** Opens a new project's fund shards, all at zero (in the transaction that creates it). */
export async function openFunds(tx: Kysely<DB>, projectId: string): Promise<void> {
  await tx
    .insertInto('project_funds')
    .values(Array.from({ length: FUND_SHARDS }, (_, shard) => ({ project_id: projectId, shard })))
    .execute();
}

/**
 * Every project's money summed over its shards, one row per project: raised, refunded, owed,
 * unspent and the number of donations credited. A sub-query for a reader to join on
 * `project_id`, so that a list of projects with their totals stays one statement.
 */
export const fundsTotals = (db: Kysely<DB>) =>
  db
    .selectFrom('project_funds')
    .select((eb) => [
      'project_funds.project_id',
      eb.fn.sum<string>('raised').as('raised'),
      eb.fn.sum<string>('refunded').as('refunded'),
      eb.fn.sum<string>('owed').as('owed'),
      eb.fn.sum<string>('balance').as('unspent'),
      eb.fn.sum<string>('donations').as('donations'),
    ])
    .groupBy('project_funds.project_id');

/**
 * Locks all of a project's fund shards, in shard order (so two spenders never deadlock; a
 * donation locks only one shard). While held, no donation to the project can commit, and every
 * donation that committed before is visible: the set FIFO allocation sees is exactly the set
 * of donations before this point on the log. Returns the shards' balances.
 */
export async function lockAllShards(tx: Kysely<DB>, projectId: string): Promise<Shard[]> {
  const shards = await tx
    .selectFrom('project_funds')
    .select(['shard', 'balance'])
    .where('project_id', '=', projectId)
    .orderBy('shard')
    .forUpdate()
    .execute();
  return shards.map((s) => ({ shard: s.shard, balance: fen(s.balance) }));
}

/**
 * Takes `amount` out of the project's unspent balance, spread over its shards, largest
 * balance first (call with the shards locked). Refuses with insufficient_funds if the total is
 * too small; each shard's CHECK (balance >= 0) stands behind this should the code ever be
 * wrong. `locked` is what lockAllShards returned in this transaction when nothing has changed
 * the shards since: their balances are not read again.
 */
export async function debitShards(
  tx: Kysely<DB>,
  projectId: string,
  amount: number,
  locked?: readonly Shard[],
): Promise<void> {
  const shards = locked
    ? [...locked].sort((a, b) => b.balance - a.balance)
    : (
        await tx
          .selectFrom('project_funds')
          .select(['shard', 'balance'])
          .where('project_id', '=', projectId)
          .orderBy('balance', 'desc')
          .execute()
      ).map((s) => ({ shard: s.shard, balance: fen(s.balance) }));
  const total = shards.reduce((s, r) => s + r.balance, 0);
  if (total < amount) {
    throw new AppError(
      'insufficient_funds',
      `The project has ${total} fen unspent; this needs ${amount}.`,
    );
  }
  let left = amount;
  for (const s of shards) {
    if (left === 0) break;
    const take = Math.min(s.balance, left);
    if (take === 0) continue;
    await tx
      .updateTable('project_funds')
      .set((eb) => ({ balance: eb('balance', '-', String(take)) }))
      .where('project_id', '=', projectId)
      .where('shard', '=', s.shard)
      .execute();
    left -= take;
  }
}

/** Donations are read from the FIFO queue, and marked, this many at a time. */
const QUEUE_PAGE = 1000;

/**
 * Spends `amount` of a project's unspent money, for a disbursement, inside the caller's
 * transaction: all of the project's shards are locked (in shard order) and debited — refused
 * with insufficient_funds if they hold too little — and the amount is allocated to the oldest
 * unallocated paid donations (FIFO by paidSeq, the rule packages/books replays), whose
 * `allocated` grows by their part. Returns those parts, oldest donation first.
 *
 * Locks: the shards in (project, shard) order, then only PAID donations — the order of every
 * spender, which a credit batch never waits against (credit-batch.ts, docs/money.md).
 */
export async function allocateFunds(
  tx: Kysely<DB>,
  projectId: string,
  amount: number,
): Promise<Allocation[]> {
  const shards = await lockAllShards(tx, projectId);
  await debitShards(tx, projectId, amount, shards);
  return allocateFromQueue(tx, projectId, amount);
}

/**
 * Walks the project's unallocated donations oldest first (paidSeq), a page at a time, and marks
 * what this disbursement takes from each. The shards are locked, so the queue cannot change.
 */
async function allocateFromQueue(
  tx: Kysely<DB>,
  projectId: string,
  amount: number,
): Promise<Allocation[]> {
  const taken: Allocation[] = [];
  let left = amount;
  let after = '0';
  while (left > 0) {
    const page = await tx
      .selectFrom('donations')
      .select(['id', 'paid_seq', sql<string>`amount - allocated`.as('remaining')])
      .where('project_id', '=', projectId)
      .where('status', '=', 'paid')
      .where(sql<boolean>`allocated < amount`)
      .where('paid_seq', '>', after)
      .orderBy('paid_seq')
      .limit(QUEUE_PAGE)
      .execute();
    if (page.length === 0) {
      // The shard balances said there was enough; the donations disagree. Never paper over it.
      throw new Error(
        `project ${projectId}: fund shards and unallocated donations disagree by ${left} fen`,
      );
    }
    const queue = page.map((d) => ({ donationId: d.id, remaining: fen(d.remaining) }));
    const total = queue.reduce((s, q) => s + q.remaining, 0);
    const part = allocateFifo(queue, Math.min(left, total))!;
    taken.push(...part);
    left -= part.reduce((s, a) => s + a.amount, 0);
    after = page.at(-1)!.paid_seq!;
  }
  for (let i = 0; i < taken.length; i += QUEUE_PAGE) {
    const chunk = taken.slice(i, i + QUEUE_PAGE);
    await sql`update donations d set allocated = d.allocated + v.amount
      from (values ${sql.join(chunk.map((a) => sql`(${a.donationId}::uuid, ${a.amount}::bigint)`))}) as v(id, amount)
      where d.id = v.id`.execute(tx);
  }
  return taken;
}
