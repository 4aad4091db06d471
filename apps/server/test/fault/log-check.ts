import {
  CompactRange,
  decodeBase64,
  emptyRoot,
  hashLeaf,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyConsistency,
} from '@goodtrace/ledger';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { readEntries } from '../../src/ledger/read.js';

/** Checks shared by the fault tests: the log as stored, and checkpoints as served. */

export interface StoredLog {
  entries: { idx: number; outboxId: string; leaf: Uint8Array }[];
  /** Outbox rows not (yet) on the log, by id. */
  outbox: string[];
  /** Every checkpoint the log stored, by size. */
  checkpoints: { size: number; note: string }[];
  state: { size: number; checkpoint: string };
}

export async function readLog(db: Kysely<DB>): Promise<StoredLog> {
  // Every row ever appended (rows are kept: an outbox row on the log is its entry).
  const outbox = await db.selectFrom('ledger_outbox').select('id').orderBy('id').execute();
  const entries = await readEntries(db, 0, Number.MAX_SAFE_INTEGER);
  const onLog = new Set(entries.map((e) => e.outbox_id));
  const checkpoints = await db
    .selectFrom('ledger_checkpoints')
    .select(['tree_size', 'checkpoint'])
    .orderBy('tree_size')
    .execute();
  const state = await db
    .selectFrom('ledger_state')
    .select(['tree_size', 'checkpoint'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return {
    entries: entries.map((e) => ({
      idx: Number(e.idx),
      outboxId: e.outbox_id,
      leaf: new Uint8Array(e.leaf),
    })),
    outbox: outbox.map((o) => o.id).filter((id) => !onLog.has(id)),
    checkpoints: checkpoints.map((c) => ({ size: Number(c.tree_size), note: c.checkpoint })),
    state: { size: Number(state.tree_size), checkpoint: state.checkpoint },
  };
}

/**
 * The log is well formed: indexes 0..size-1 with no gap and none twice, each outbox id
 * sequenced once and in id order, and every given signed checkpoint (stored or served) verifies with the
 * log's key and commits to exactly the stored entries up to its size (roots recomputed
 * from the leaves, independently of the server's tiles).
 */
export function expectWellFormedLog(log: StoredLog, verifierKey: string, notes: string[] = []) {
  const { entries } = log;
  expect(entries.map((e) => e.idx)).toEqual(entries.map((_, i) => i));
  expect(entries.length).toBe(log.state.size);
  expect(new Set(entries.map((e) => e.outboxId)).size).toBe(entries.length);
  // The log takes outbox rows in id order (migration 2026-11-27-08): a later index never holds
  // an earlier id, so an event that depends on another's commit comes after it.
  const outOfOrder = entries.filter(
    (e, i) => i > 0 && BigInt(e.outboxId) <= BigInt(entries[i - 1]!.outboxId),
  );
  expect(
    outOfOrder.map((e) => e.idx),
    'entries whose outbox id is not above the one before',
  ).toEqual([]);

  const verifier = parseVerifierKey(verifierKey);
  const bySize = new Map<number, string>();
  for (const note of [log.state.checkpoint, ...log.checkpoints.map((c) => c.note), ...notes]) {
    const cp = parseCheckpoint(openNote(note, [verifier]).text);
    expect(cp.size).toBeLessThanOrEqual(entries.length);
    const seen = bySize.get(cp.size);
    // One tree per size: two different checkpoints of one size would be a fork.
    if (seen !== undefined) expect(note).toBe(seen);
    bySize.set(cp.size, note);
  }
  const range = new CompactRange();
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  for (const size of sizes) {
    range.append(entries.slice(range.size, size).map((e) => hashLeaf(e.leaf)));
    const cp = parseCheckpoint(openNote(bySize.get(size)!, [verifier]).text);
    const root = size === 0 ? emptyRoot() : range.root();
    expect(Buffer.from(cp.rootHash).toString('hex'), `root of size ${size}`).toBe(
      Buffer.from(root).toString('hex'),
    );
  }
}

/**
 * Every note verifies with the log's key, and is consistent with `final`: checked with
 * verifyConsistency (packages/ledger) on a proof the caller fetches (HTTP or tiles).
 */
export async function expectConsistentWith(opts: {
  notes: Iterable<string>;
  final: string;
  verifierKey: string;
  proof: (from: number, to: number) => Uint8Array[] | Promise<Uint8Array[]>;
}): Promise<number> {
  const verifier = parseVerifierKey(opts.verifierKey);
  const last = parseCheckpoint(openNote(opts.final, [verifier]).text);
  let checked = 0;
  for (const note of opts.notes) {
    const cp = parseCheckpoint(openNote(note, [verifier]).text);
    expect(cp.origin).toBe(last.origin);
    expect(cp.size, 'a checkpoint beyond the final one').toBeLessThanOrEqual(last.size);
    if (cp.size === last.size) {
      expect(Buffer.from(cp.rootHash)).toEqual(Buffer.from(last.rootHash));
    } else if (cp.size === 0) {
      expect(Buffer.from(cp.rootHash)).toEqual(Buffer.from(emptyRoot()));
    } else {
      verifyConsistency({
        oldSize: cp.size,
        newSize: last.size,
        proof: await opts.proof(cp.size, last.size),
        oldRoot: cp.rootHash,
        newRoot: last.rootHash,
      });
    }
    checked++;
  }
  return checked;
}

/** A consistency proof over HTTP (GET /api/log/proofs/consistency), as a client gets it. */
export function httpProof(base: string) {
  return async (from: number, to: number) => {
    const res = await fetch(`${base}/api/log/proofs/consistency?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { proof: string[] };
    return body.proof.map((p) => decodeBase64(p));
  };
}
