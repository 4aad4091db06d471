import type { Alarm, AlarmKind, CosignedCheckpoint, LogEntry } from '@goodtrace/contract';
import {
  createReceipt,
  encodeBase64,
  type HashAt,
  hashLeaf,
  type LedgerEvent,
} from '@goodtrace/ledger';
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { consistencyProof, inclusionProof, type TileCache, tileHashAt } from './tile-store.js';

/** Reads of the log for the JSON API: entries, proofs and receipts. */

/**
 * Every event appended to the log (the outbox), with its leaf and its index on the log (null
 * until sequenced): a sub-query for a reader to join on `outbox_id`, so that a row and the log
 * entry of its event are read in one statement.
 */
export const logEntries = (db: Kysely<DB>) =>
  db
    .selectFrom('ledger_outbox')
    .select(['id as outbox_id', 'leaf', sql<string | null>`ledger_index_of(id)`.as('idx')]);

export async function currentSize(db: Kysely<DB>): Promise<number> {
  const s = await db
    .selectFrom('ledger_state')
    .select('tree_size')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(s.tree_size);
}

export async function getEntry(db: Kysely<DB>, index: number) {
  const [row] = await readEntries(db, index, index + 1);
  if (!row) throw new AppError('not_found', `No log entry ${index} yet.`);
  return entryView(row);
}

/**
 * Events committed and not yet on the log. Outbox rows are kept for good and the sequencer
 * takes them in id order, so the pending ones are those beyond the last id it sequenced (ids up
 * to it are on the log or never committed): an index range, cheap enough to poll under load.
 */
export async function pendingEvents(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ledger_outbox
    where id > (select sequenced_through from ledger_state where id = 1)`.execute(db);
  return Number(rows[0]!.n);
}

/** A log entry as stored: the outbox row, placed at its index by a sequencer batch. */
export interface EntryRow {
  idx: string;
  outbox_id: string;
  event_type: string;
  leaf: Uint8Array;
  queued_at: Date;
  sequenced_at: Date;
}

/**
 * The log's entries from ≤ index < to, oldest first (the SQL function ledger_entries of
 * migration 2026-11-27-08: the outbox rows in the order the sequencer batches placed them).
 */
export async function readEntries(db: Kysely<DB>, from: number, to: number): Promise<EntryRow[]> {
  if (to <= from) return [];
  const { rows } = await sql<EntryRow>`${PREPARED}
    select idx::text, outbox_id::text, event_type, leaf, queued_at, sequenced_at
    from ledger_entries(${String(from)}::bigint, ${String(to)}::bigint)`.execute(db);
  return rows;
}

function entryView(row: {
  idx: string;
  leaf: Uint8Array;
  queued_at: Date;
  sequenced_at: Date;
}): LogEntry {
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
  return (await readEntries(db, from, from + limit)).map(entryView);
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

export async function getInclusionProof(
  db: Kysely<DB>,
  tiles: TileCache,
  index: number,
  treeSize?: number,
) {
  const size = treeSize ?? (await currentSize(db));
  const checkpoint = await checkpointOfSize(db, size);
  if (index >= size)
    throw new AppError('validation_failed', `index ${index} is not below tree size ${size}.`);
  const proof = await inclusionProof(db, tiles, index, size);
  const entry = await getEntry(db, index);
  return {
    index,
    treeSize: size,
    leafHash: entry.leafHash,
    proof: proof.map(encodeBase64),
    checkpoint,
  };
}

export async function getConsistencyProof(
  db: Kysely<DB>,
  tiles: TileCache,
  from: number,
  to?: number,
) {
  const newSize = to ?? (await currentSize(db));
  if (from > newSize)
    throw new AppError('validation_failed', `from (${from}) is beyond to (${newSize}).`);
  const [oldCheckpoint, newCheckpoint] = await Promise.all([
    checkpointOfSize(db, from),
    checkpointOfSize(db, newSize),
  ]);
  const proof =
    from === 0 || from === newSize ? [] : await consistencyProof(db, tiles, from, newSize);
  return { from, to: newSize, proof: proof.map(encodeBase64), oldCheckpoint, newCheckpoint };
}

export type Receipt = ReturnType<typeof createReceipt>;

export type ReceiptLookup = { status: 'pending' } | { status: 'complete'; receipt: Receipt };

/**
 * Which checkpoints receipts may rest on: those cosigned by at least `quorum` of `witnesses`
 * (names of the configured witnesses; k of n, LOG_WITNESS_QUORUM). With quorum 0 the log's
 * signature alone will do, though a cosigned checkpoint is still preferred.
 */
export interface ReceiptPolicy {
  quorum: number;
  witnesses: string[];
}

/**
 * What every reader of receipts is handed: the configured policy and the tile cache their
 * proofs read through. The LedgerService builds it (`ledger.receipts`) from the configuration;
 * there is no default, so a receipt cannot be served without a policy.
 */
export interface ReceiptSource {
  policy: ReceiptPolicy;
  tiles: TileCache;
}

/**
 * The receipt for an event put on the log by appendEvent: pending until it is sequenced and a
 * checkpoint covering it has the quorum of cosignatures, then the event, its index, its
 * inclusion proof and the newest such checkpoint.
 */
export async function getReceipt(
  db: Kysely<DB>,
  outboxId: string,
  source: ReceiptSource,
): Promise<ReceiptLookup> {
  const receipt = (await receiptsFor(db, [outboxId], source)).get(outboxId);
  if (receipt === undefined) {
    // Not on the log: queued if its outbox row exists (rows are kept for good, so this order
    // cannot miss an event that the sequencer takes in between).
    const queued = await db
      .selectFrom('ledger_outbox')
      .select('id')
      .where('id', '=', outboxId)
      .executeTakeFirst();
    if (queued) return { status: 'pending' };
    throw new AppError('not_found', `No log event ${outboxId}.`);
  }
  if (receipt === 'pending') return { status: 'pending' };
  return { status: 'complete', receipt };
}

/**
 * Receipts for several events at once (a donor's trace needs a handful): one per id, in the
 * same order, null for an event not (yet) on the log or whose receipt is pending. Each covers
 * its event with the newest checkpoint beyond it that has the policy's quorum of cosignatures
 * (with quorum 0: the newest cosigned one, else the current one). Two round trips whatever the
 * number of receipts: the entries with the tree size; then, side by side, the checkpoints with
 * their cosignatures and the proofs (one tile query per tree size, shared by its proofs).
 */
export async function getReceipts(
  db: Kysely<DB>,
  outboxIds: (string | null)[],
  source: ReceiptSource,
): Promise<(Receipt | null)[]> {
  const ids = [...new Set(outboxIds.filter((id): id is string => id !== null))];
  const byId = await receiptsFor(db, ids, source);
  return outboxIds.map((id) => {
    const r = id === null ? undefined : byId.get(id);
    return r === undefined || r === 'pending' ? null : r;
  });
}

/** The receipts of these sequenced events, or 'pending' for those no checkpoint may cover yet. */
async function receiptsFor(
  db: Kysely<DB>,
  ids: string[],
  { policy, tiles }: ReceiptSource,
): Promise<Map<string, Receipt | 'pending'>> {
  if (ids.length === 0) return new Map();
  // One statement, so one snapshot: every index found is inside the tree size read with it
  // (the sequencer commits a batch and the size together; ledger_index_of is STABLE, so it
  // reads with the statement's snapshot).
  // A prepared statement (the ids as one array, whatever their number): receipts are read for
  // every trace and receipt page.
  const { rows: entries } = await sql<{
    outbox_id: string;
    idx: string;
    leaf: Uint8Array;
    tree_size: string;
    cosigned: string | null;
  }>`${PREPARED}
    select o.id::text as outbox_id, i.idx::text as idx, o.leaf, s.tree_size,
      -- Newest first along the primary key (tree_size, witness): stops at the first with quorum.
      (select c.tree_size from ledger_cosignatures c
        where c.witness = any(${policy.witnesses}::text[])
        group by c.tree_size having count(*) >= ${Math.max(policy.quorum, 1)}::int
        order by c.tree_size desc limit 1) as cosigned
    from unnest(${ids}::bigint[]) as k(id)
    cross join lateral (select ledger_index_of(k.id) as idx) i
    join ledger_outbox o on o.id = k.id
    join ledger_state s on s.id = 1
    where i.idx is not null`.execute(db);
  if (entries.length === 0) return new Map();
  const current = Number(entries[0]!.tree_size);
  const cosigned = entries[0]!.cosigned === null ? 0 : Number(entries[0]!.cosigned);
  // The newest checkpoint with the quorum covers every event below its size; later events wait
  // for the next one (with quorum 0 the current checkpoint serves them).
  const sizeOrPending = (index: number) =>
    cosigned > index ? cosigned : policy.quorum === 0 ? current : null;
  const pending = new Map<string, 'pending'>();
  for (const e of entries) {
    if (sizeOrPending(Number(e.idx)) === null) pending.set(e.outbox_id, 'pending');
  }
  const covered = entries.filter((e) => !pending.has(e.outbox_id));
  const sizeFor = (index: number) => sizeOrPending(index)!;
  const hashAts = new Map<number, HashAt>();
  const hashAtFor = (size: number) => {
    let hashAt = hashAts.get(size);
    if (!hashAt) {
      hashAt = tileHashAt(db, tiles, size);
      hashAts.set(size, hashAt);
    }
    return hashAt;
  };
  const [notes, proofs] = await Promise.all([
    checkpointsWithCosignatures(db, [...new Set(covered.map((e) => sizeFor(Number(e.idx))))]),
    Promise.all(
      covered.map((e) => {
        const size = sizeFor(Number(e.idx));
        return inclusionProof(db, tiles, Number(e.idx), size, hashAtFor(size));
      }),
    ),
  ]);
  const decoder = new TextDecoder();
  const receipts = new Map<string, Receipt | 'pending'>(pending);
  for (const [i, e] of covered.entries()) {
    const index = Number(e.idx);
    const event = JSON.parse(decoder.decode(e.leaf)) as LedgerEvent;
    const checkpoint = notes.get(sizeFor(index));
    if (checkpoint === undefined) throw new AppError('log_size_unknown');
    receipts.set(
      e.outbox_id,
      createReceipt({ event, leafIndex: index, inclusionProof: proofs[i]!, checkpoint }),
    );
  }
  return receipts;
}

/** The signed checkpoints of these sizes, each followed by its cosignature lines, in one query. */
async function checkpointsWithCosignatures(
  db: Kysely<DB>,
  sizes: number[],
): Promise<Map<number, string>> {
  const { rows } = await sql<{ tree_size: string; checkpoint: string; lines: string[] }>`${PREPARED}
    select c.tree_size, c.checkpoint,
      array(select w.signature_line from ledger_cosignatures w
        where w.tree_size = c.tree_size order by w.witness) as lines
    from ledger_checkpoints c
    where c.tree_size = any(${sizes.map((n) => String(n))}::bigint[])`.execute(db);
  return new Map(rows.map((r) => [Number(r.tree_size), r.checkpoint + r.lines.join('')]));
}

/** Fork alarms raised by the witness client (witness-client.ts), newest first. */
export async function listAlarms(db: Kysely<DB>, limit: number): Promise<Alarm[]> {
  const rows = await db
    .selectFrom('ledger_alarms')
    .select(['id', 'kind', 'witness', 'tree_size', 'detail', 'created_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as AlarmKind,
    witness: r.witness,
    treeSize: Number(r.tree_size),
    detail: r.detail,
    createdAt: r.created_at.toISOString(),
  }));
}

/** The log's size and when its latest checkpoint was signed. */
export async function logState(db: Kysely<DB>): Promise<{ treeSize: number; signedAt: Date }> {
  const s = await db
    .selectFrom('ledger_state')
    .select(['tree_size', 'updated_at'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { treeSize: Number(s.tree_size), signedAt: s.updated_at };
}

/** Each witness as the witness client last recorded it: the size it cosigned, its last error. */
export async function witnessStates(db: Kysely<DB>) {
  const rows = await db
    .selectFrom('ledger_witness_state')
    .select(['witness', 'tree_size', 'updated_at', 'last_error'])
    .execute();
  return rows.map((r) => ({
    witness: r.witness,
    treeSize: Number(r.tree_size),
    updatedAt: r.updated_at,
    lastError: r.last_error,
  }));
}

/** The largest tree size witnesses cosigned, and which witnesses did; null while none has. */
export async function latestCosigners(
  db: Kysely<DB>,
): Promise<{ treeSize: number; witnesses: string[] } | null> {
  const rows = await db
    .selectFrom('ledger_cosignatures')
    .select(['witness', 'tree_size'])
    .where('tree_size', '=', (eb) =>
      eb.selectFrom('ledger_cosignatures').select((c) => c.fn.max('tree_size').as('m')),
    )
    .execute();
  return rows.length
    ? { treeSize: Number(rows[0]!.tree_size), witnesses: rows.map((c) => c.witness).sort() }
    : null;
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
