import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { fen } from '../projects/money.js';

/**
 * Locks all of a project's fund shards, in shard order (so two spenders never deadlock; a
 * donation locks only one shard). While held, no donation to the project can commit, and every
 * donation that committed before is visible: the set FIFO allocation sees is exactly the set
 * of donations before this point on the log. Returns the shards' balances.
 */
export async function lockAllShards(tx: Kysely<DB>, projectId: string) {
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
 * Takes `amount` out of the project's unspent balance, spread over its shards (call with the
 * shards locked). Refuses with insufficient_funds if the total is too small; each shard's
 * CHECK (balance >= 0) stands behind this should the code ever be wrong.
 */
export async function debitShards(
  tx: Kysely<DB>,
  projectId: string,
  amount: number,
): Promise<void> {
  const shards = await tx
    .selectFrom('project_funds')
    .select(['shard', 'balance'])
    .where('project_id', '=', projectId)
    .orderBy('balance', 'desc')
    .execute();
  const total = shards.reduce((s, r) => s + fen(r.balance), 0);
  if (total < amount) {
    throw new AppError(
      'insufficient_funds',
      `The project has ${total} fen unspent; this needs ${amount}.`,
    );
  }
  let left = amount;
  for (const s of shards) {
    if (left === 0) break;
    const take = Math.min(fen(s.balance), left);
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
