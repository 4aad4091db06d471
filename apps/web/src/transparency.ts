import type {
  ConsistencyProof,
  InclusionProof,
  LogEntries,
  LogEntry,
  LogInfo,
} from '@goodtrace/contract';
import {
  decodeBase64,
  encodeBase64,
  hashEvent,
  isLedgerError,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  openNote,
  parseCheckpoint,
  type Verifier,
  verifyConsistency,
  verifyInclusion,
} from '@goodtrace/ledger';
import type { Trust } from '@goodtrace/verify';
import { ApiError, get } from './api';

/**
 * What the transparency page checks in the visitor's own browser, with @goodtrace/ledger,
 * under the keys the receipt pages trust too (log-trust.ts: /log/key and /api/log must agree):
 * the latest checkpoint's signature by the log's key, that it says what /api/log says,
 * that it extends the checkpoint this browser saw last time, that each witness cosigned it
 * (with the witness's key), and that each shown entry is in it. Nothing here trusts the
 * server's word for a check it can do itself.
 */

/** Why a check failed: a LedgerError code, or one of ours. */
export type FailReason = string;

export type SignatureCheck =
  | { ok: true; origin: string; size: number; root: Uint8Array }
  | { ok: false; reason: FailReason };

function reasonOf(err: unknown): FailReason {
  if (isLedgerError(err)) return err.code;
  if (err instanceof ApiError) return err.code;
  return 'unknown';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Opens the checkpoint note with the trusted log key (it must carry a valid signature by that
 * key), parses it, and checks its origin, size and root equal the JSON's.
 */
export function verifyLatestCheckpoint(info: LogInfo, trust: Trust): SignatureCheck {
  try {
    const opened = openNote(info.checkpoint, [trust.logKey]);
    const checkpoint = parseCheckpoint(opened.text);
    if (checkpoint.origin !== info.origin) return { ok: false, reason: 'origin_mismatch' };
    if (checkpoint.size !== info.treeSize) return { ok: false, reason: 'tree_size_mismatch' };
    if (!sameBytes(checkpoint.rootHash, decodeBase64(info.rootHash, 32)))
      return { ok: false, reason: 'root_mismatch' };
    return {
      ok: true,
      origin: checkpoint.origin,
      size: checkpoint.size,
      root: checkpoint.rootHash,
    };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  }
}

export type WitnessCheck =
  /** A valid cosignature/v1 by the witness's key over this checkpoint, verified here. */
  | { state: 'verified'; timestamp: number }
  /** The checkpoint carries no signature line by the witness's key. */
  | { state: 'absent' }
  /** A line by the witness's key that does not verify, or an unusable key. */
  | { state: 'invalid'; reason: FailReason };

/**
 * Checks one witness's cosignature on the served checkpoint with that witness's trusted key
 * alone, so a bad cosignature marks only that witness (the log's own signature is checked apart).
 */
export function verifyWitness(checkpoint: string, verifier: Verifier): WitnessCheck {
  try {
    if (verifier.type !== KEY_TYPE_COSIGNATURE_V1)
      return { state: 'invalid', reason: 'unknown_key_type' };
    const opened = openNote(checkpoint, [verifier]);
    const sig = opened.signatures.find(
      (s) => s.name === verifier.name && s.keyId === verifier.keyId,
    );
    if (sig?.timestamp === undefined) return { state: 'invalid', reason: 'unknown' };
    return { state: 'verified', timestamp: sig.timestamp };
  } catch (err) {
    if (isLedgerError(err) && err.code === 'no_verifiable_signature') return { state: 'absent' };
    return { state: 'invalid', reason: reasonOf(err) };
  }
}

/** The last checkpoint this browser verified, kept in localStorage. */
export interface SeenCheckpoint {
  origin: string;
  verifierKey: string;
  size: number;
  /** Base64 root hash. */
  root: string;
  /** When it was verified (ISO 8601). */
  at: string;
}

const seenKey = 'goodtrace.transparency.seen';

export function readSeen(): SeenCheckpoint | null {
  try {
    const raw = localStorage.getItem(seenKey);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<SeenCheckpoint>;
    if (
      typeof v.origin === 'string' &&
      typeof v.verifierKey === 'string' &&
      Number.isSafeInteger(v.size) &&
      (v.size ?? -1) >= 0 &&
      typeof v.root === 'string' &&
      typeof v.at === 'string' &&
      !Number.isNaN(Date.parse(v.at))
    ) {
      return v as SeenCheckpoint;
    }
  } catch {
    // Unreadable or disabled storage: as if this were the first visit.
  }
  return null;
}

export function writeSeen(seen: SeenCheckpoint): void {
  try {
    localStorage.setItem(seenKey, JSON.stringify(seen));
  } catch {
    // Not remembered; the next visit starts afresh.
  }
}

export type HistoryCheck =
  /** Nothing remembered (or storage is off): this checkpoint becomes the reference. */
  | { state: 'first' }
  /** The current tree extends the one seen before (verified consistency proof). */
  | { state: 'consistent'; seen: SeenCheckpoint }
  /** The log now signs with another key, or under another origin. */
  | { state: 'key_changed'; seen: SeenCheckpoint }
  /** The history was rewritten: the tree seen before is not a prefix of this one. */
  | { state: 'inconsistent'; seen: SeenCheckpoint; reason: FailReason }
  /** The proof could not be fetched (network, server busy): no conclusion. */
  | { state: 'unchecked'; seen: SeenCheckpoint; reason: FailReason };

/**
 * Checks that the verified latest checkpoint extends the one seen on an earlier visit:
 * same key, not smaller, and a consistency proof from the old size to the new one that
 * verifies against the root remembered here (never one the server sends back).
 */
export async function checkHistory(
  seen: SeenCheckpoint | null,
  info: LogInfo,
  latest: { size: number; root: Uint8Array },
): Promise<HistoryCheck> {
  if (!seen) return { state: 'first' };
  if (seen.verifierKey !== info.verifierKey || seen.origin !== info.origin)
    return { state: 'key_changed', seen };
  let oldRoot: Uint8Array;
  try {
    oldRoot = decodeBase64(seen.root, 32);
  } catch {
    return { state: 'first' };
  }
  if (seen.size > latest.size) return { state: 'inconsistent', seen, reason: 'log_shrank' };
  // The empty tree is a prefix of every tree.
  if (seen.size === 0) return { state: 'consistent', seen };
  let proof: ConsistencyProof;
  if (seen.size === latest.size) {
    proof = { from: seen.size, to: latest.size, proof: [], oldCheckpoint: '', newCheckpoint: '' };
  } else {
    try {
      proof = await get<ConsistencyProof>(
        `/log/proofs/consistency?from=${seen.size}&to=${latest.size}`,
      );
    } catch (err) {
      // The log not knowing a size it signed for us is itself a rewritten history.
      if (err instanceof ApiError && err.code === 'log_size_unknown')
        return { state: 'inconsistent', seen, reason: err.code };
      return { state: 'unchecked', seen, reason: reasonOf(err) };
    }
  }
  try {
    if (proof.from !== seen.size || proof.to !== latest.size)
      return { state: 'inconsistent', seen, reason: 'tree_size_mismatch' };
    verifyConsistency({
      oldSize: seen.size,
      newSize: latest.size,
      proof: proof.proof.map((h) => decodeBase64(h, 32)),
      oldRoot,
      newRoot: latest.root,
    });
    return { state: 'consistent', seen };
  } catch (err) {
    return { state: 'inconsistent', seen, reason: reasonOf(err) };
  }
}

export function seenFrom(info: LogInfo, root: Uint8Array, at = new Date()): SeenCheckpoint {
  return {
    origin: info.origin,
    verifierKey: info.verifierKey,
    size: info.treeSize,
    root: encodeBase64(root),
    at: at.toISOString(),
  };
}

export interface CheckedEntry {
  entry: LogEntry;
  /** true: its inclusion in the verified tree was proved here; false: that failed; null: not checked. */
  included: boolean | null;
}

/**
 * The newest `count` entries of a tree of `size`, newest first, fetched with one range
 * request (and, when `root` is given, their inclusion proofs in parallel with it). With
 * `root` (the verified checkpoint's), each entry's leaf hash is computed from its event and
 * its inclusion proof verified against that root.
 */
export async function loadRecentEntries(
  size: number,
  root: Uint8Array | null,
  count = 10,
): Promise<CheckedEntry[]> {
  const from = Math.max(0, size - count);
  const limit = size - from;
  if (limit === 0) return [];
  const indexes = Array.from({ length: limit }, (_, i) => from + i);
  const [entries, proofs] = await Promise.all([
    get<LogEntries>(`/log/entries?from=${from}&limit=${limit}`),
    Promise.all(
      indexes.map((index) =>
        root
          ? get<InclusionProof>(`/log/proofs/inclusion?index=${index}&treeSize=${size}`).catch(
              () => null,
            )
          : Promise.resolve(null),
      ),
    ),
  ]);
  const checked = entries.items.map((entry): CheckedEntry => {
    const { index } = entry;
    if (!root) return { entry, included: null };
    // An entry the range should not hold (wrong or repeated index) is not in this tree.
    if (!Number.isSafeInteger(index) || index < from || index >= size)
      return { entry, included: false };
    const proof = proofs[index - from];
    if (!proof) return { entry, included: null };
    try {
      const leafHash = hashEvent(entry.event as unknown as LedgerEvent);
      if (!sameBytes(leafHash, decodeBase64(entry.leafHash, 32))) throw new Error('leaf');
      verifyInclusion({
        leafHash,
        index,
        treeSize: size,
        proof: proof.proof.map((h) => decodeBase64(h, 32)),
        rootHash: root,
      });
      return { entry, included: true };
    } catch {
      return { entry, included: false };
    }
  });
  return checked.reverse();
}
