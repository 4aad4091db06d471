import type { CosignedCheckpoint, LogHealth } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { listAlarms, withCosignatures } from '../ledger/read.js';

/**
 * The log's health for the auditor's console: its size and how old its checkpoint is, each
 * witness with the size it last cosigned, its lag and its last error, the latest checkpoint
 * witnesses cosigned, and the alarms raised (a fork a witness refused, a lost quorum).
 */
export async function logHealth(
  db: Kysely<DB>,
  configured: { name: string; url: string }[],
  now: Date,
): Promise<LogHealth> {
  const [state, states, latestCosigned, alarms] = await Promise.all([
    db
      .selectFrom('ledger_state')
      .select(['tree_size', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('ledger_witness_state')
      .select(['witness', 'tree_size', 'updated_at', 'last_error'])
      .execute(),
    db
      .selectFrom('ledger_cosignatures')
      .select(['witness', 'tree_size', 'created_at'])
      .where('tree_size', '=', (eb) =>
        eb.selectFrom('ledger_cosignatures').select((c) => c.fn.max('tree_size').as('m')),
      )
      .execute(),
    listAlarms(db, 50),
  ]);
  const treeSize = Number(state.tree_size);
  const byName = new Map(states.map((s) => [s.witness, s]));
  // Configured witnesses first (in their order), then any the store remembers that no longer are.
  const names = [
    ...configured.map((w) => w.name),
    ...states.map((s) => s.witness).filter((n) => !configured.some((w) => w.name === n)),
  ];
  return {
    treeSize,
    checkpointAt: state.updated_at.toISOString(),
    checkpointAgeSeconds: Math.max(
      0,
      Math.round((now.getTime() - state.updated_at.getTime()) / 1000),
    ),
    cosigned: latestCosigned.length
      ? {
          treeSize: Number(latestCosigned[0]!.tree_size),
          witnesses: latestCosigned.map((c) => c.witness).sort(),
        }
      : null,
    witnesses: names.map((name) => {
      const s = byName.get(name);
      const cosignedSize = s ? Number(s.tree_size) : 0;
      return {
        name,
        url: configured.find((w) => w.name === name)?.url ?? null,
        configured: configured.some((w) => w.name === name),
        cosignedSize,
        lag: Math.max(0, treeSize - cosignedSize),
        lastError: s?.last_error ?? null,
        updatedAt: s ? s.updated_at.toISOString() : null,
      };
    }),
    alarms,
  };
}

/**
 * The newest checkpoint that witnesses cosigned, as a signed note followed by their
 * cosignature lines (what a client verifies), and when each witness cosigned it; null while
 * no witness has cosigned anything.
 */
export async function latestCosignedCheckpoint(db: Kysely<DB>): Promise<CosignedCheckpoint | null> {
  const top = await db
    .selectFrom('ledger_cosignatures')
    .select((eb) => eb.fn.max('tree_size').as('size'))
    .executeTakeFirst();
  if (!top?.size) return null;
  const size = String(top.size);
  const [checkpoint, cosignatures] = await Promise.all([
    db
      .selectFrom('ledger_checkpoints')
      .select(['checkpoint', 'created_at'])
      .where('tree_size', '=', size)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('ledger_cosignatures')
      .select(['witness', 'created_at'])
      .where('tree_size', '=', size)
      .orderBy('witness')
      .execute(),
  ]);
  return {
    treeSize: Number(size),
    signedAt: checkpoint.created_at.toISOString(),
    note: await withCosignatures(db, Number(size), checkpoint.checkpoint),
    cosignatures: cosignatures.map((c) => ({
      witness: c.witness,
      at: c.created_at.toISOString(),
    })),
  };
}
