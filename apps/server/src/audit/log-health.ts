import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The log's health for the auditor's console: its size and how old its checkpoint is, each
 * witness with the size it last cosigned, its lag and its last error, the latest checkpoint
 * witnesses cosigned, and the alarms raised (a fork a witness refused, a lost quorum).
 */
export async function logHealth(
  db: Kysely<DB>,
  configured: { name: string; url: string }[],
  now: Date,
) {
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
    recentAlarms(db),
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

export interface Alarm {
  id: string;
  kind: string;
  witness: string | null;
  treeSize: number | null;
  detail: string;
  createdAt: string;
}

/**
 * The newest alarms from `ledger_alarms` (written by the witness side of the server, see
 * docs/ledger.md). Read by name rather than through the typed schema so the console keeps
 * answering on a store migrated before that table existed: then there are simply none.
 */
async function recentAlarms(db: Kysely<DB>, limit = 50): Promise<Alarm[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('ledger_alarms')::text as t`
    .execute(db)
    .then((r) => r.rows[0]?.t);
  if (!exists) return [];
  const { rows } = await sql<{
    id: string | number;
    kind: string;
    witness: string | null;
    tree_size: string | number | null;
    detail: string | null;
    created_at: Date;
  }>`select id, kind, witness, tree_size, detail, created_at from ledger_alarms
      order by created_at desc limit ${limit}`.execute(db);
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind,
    witness: r.witness,
    treeSize: r.tree_size === null ? null : Number(r.tree_size),
    detail: r.detail ?? '',
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/**
 * The newest checkpoint that witnesses cosigned, as a signed note followed by their
 * cosignature lines (what a client verifies), and when each witness cosigned it; null while
 * no witness has cosigned anything.
 */
export async function latestCosignedCheckpoint(db: Kysely<DB>) {
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
      .select(['witness', 'signature_line', 'created_at'])
      .where('tree_size', '=', size)
      .orderBy('witness')
      .execute(),
  ]);
  return {
    treeSize: Number(size),
    signedAt: checkpoint.created_at.toISOString(),
    note: checkpoint.checkpoint + cosignatures.map((c) => c.signature_line).join(''),
    cosignatures: cosignatures.map((c) => ({
      witness: c.witness,
      at: c.created_at.toISOString(),
    })),
  };
}
