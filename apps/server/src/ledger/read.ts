import { createReceipt, encodeBase64, hashLeaf, type LedgerEvent } from '@goodtrace/ledger';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { consistencyProof, inclusionProof } from './tile-store.js';

/** Reads of the log for the JSON API: entries, proofs and receipts. */

export async function currentSize(db: Kysely<DB>): Promise<number> {
  const s = await db
    .selectFrom('ledger_state')
    .select('tree_size')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(s.tree_size);
}

export async function getEntry(db: Kysely<DB>, index: number) {
  const row = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'outbox_id', 'leaf', 'queued_at', 'sequenced_at'])
    .where('idx', '=', String(index))
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No log entry ${index} yet.`);
  return entryView(row);
}

function entryView(row: { idx: string; leaf: Uint8Array; queued_at: Date; sequenced_at: Date }) {
  return {
    index: Number(row.idx),
    event: JSON.parse(new TextDecoder().decode(row.leaf)) as LedgerEvent,
    leafHash: encodeBase64(hashLeaf(row.leaf)),
    queuedAt: row.queued_at.toISOString(),
    sequencedAt: row.sequenced_at.toISOString(),
  };
}

/** Entries from index `from` on, oldest first, at most `limit`. */
export async function listEntries(db: Kysely<DB>, from: number, limit: number) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'leaf', 'queued_at', 'sequenced_at'])
    .where('idx', '>=', String(from))
    .orderBy('idx')
    .limit(limit)
    .execute();
  return rows.map(entryView);
}

/** A signed checkpoint followed by the witnesses' cosignature lines collected for it. */
export async function withCosignatures(
  db: Kysely<DB>,
  size: number,
  note: string,
): Promise<string> {
  const cosigs = await db
    .selectFrom('ledger_cosignatures')
    .select('signature_line')
    .where('tree_size', '=', String(size))
    .orderBy('witness')
    .execute();
  return note + cosigs.map((c) => c.signature_line).join('');
}

/** The signed checkpoint of exactly this size, or 404 when the log never signed one. */
async function checkpointOfSize(db: Kysely<DB>, size: number): Promise<string> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .select('checkpoint')
    .where('tree_size', '=', String(size))
    .executeTakeFirst();
  if (!row) throw new AppError('log_size_unknown');
  return row.checkpoint;
}

export async function getInclusionProof(db: Kysely<DB>, index: number, treeSize?: number) {
  const size = treeSize ?? (await currentSize(db));
  const checkpoint = await checkpointOfSize(db, size);
  if (index >= size)
    throw new AppError('validation_failed', `index ${index} is not below tree size ${size}.`);
  const proof = await inclusionProof(db, index, size);
  const entry = await getEntry(db, index);
  return {
    index,
    treeSize: size,
    leafHash: entry.leafHash,
    proof: proof.map(encodeBase64),
    checkpoint,
  };
}

export async function getConsistencyProof(db: Kysely<DB>, from: number, to?: number) {
  const newSize = to ?? (await currentSize(db));
  if (from > newSize)
    throw new AppError('validation_failed', `from (${from}) is beyond to (${newSize}).`);
  const [oldCheckpoint, newCheckpoint] = await Promise.all([
    checkpointOfSize(db, from),
    checkpointOfSize(db, newSize),
  ]);
  const proof = from === 0 || from === newSize ? [] : await consistencyProof(db, from, newSize);
  return { from, to: newSize, proof: proof.map(encodeBase64), oldCheckpoint, newCheckpoint };
}

export type ReceiptLookup =
  | { status: 'pending' }
  | { status: 'complete'; receipt: ReturnType<typeof createReceipt> };

/**
 * The receipt for an event put on the log by appendEvent: pending until it is sequenced,
 * then the event, its index, its inclusion proof and the newest checkpoint that covers it,
 * preferring one that witnesses have cosigned.
 */
export async function getReceipt(db: Kysely<DB>, outboxId: string): Promise<ReceiptLookup> {
  // Outbox first: the sequencer moves a row from the outbox to the entries in one commit,
  // so a row no longer in the outbox is certainly in the entries (the other order could
  // miss it in both while the move commits between the two reads).
  const queued = await db
    .selectFrom('ledger_outbox')
    .select('id')
    .where('id', '=', outboxId)
    .executeTakeFirst();
  if (queued) return { status: 'pending' };
  const entry = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'leaf'])
    .where('outbox_id', '=', outboxId)
    .executeTakeFirst();
  if (!entry) throw new AppError('not_found', `No log event ${outboxId}.`);
  const index = Number(entry.idx);
  const cosigned = await db
    .selectFrom('ledger_cosignatures')
    .select('tree_size')
    .where('tree_size', '>', entry.idx)
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst();
  const size = cosigned ? Number(cosigned.tree_size) : await currentSize(db);
  const [checkpoint, proof] = await Promise.all([
    checkpointOfSize(db, size).then((note) => withCosignatures(db, size, note)),
    inclusionProof(db, index, size),
  ]);
  const event = JSON.parse(new TextDecoder().decode(entry.leaf)) as LedgerEvent;
  return {
    status: 'complete',
    receipt: createReceipt({ event, leafIndex: index, inclusionProof: proof, checkpoint }),
  };
}
