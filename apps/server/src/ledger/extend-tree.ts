import {
  CompactRange,
  formatCheckpoint,
  parseSignerKey,
  type Signer,
  signNote,
} from '@goodtrace/ledger';
import { groupTileWrites, type TileWrite } from './tile-store.js';

/** What a batch's tree extension needs of the log's key. */
export interface CheckpointSigner {
  signerKey: string;
  origin: string;
}

/** The last key parsed: the sequencer signs with one key, once per batch. */
let parsed: { signerKey: string; signer: Signer } | undefined;

/** The log's checkpoint for a tree of `size` leaves with this root, signed with its key. */
export function signCheckpoint(key: CheckpointSigner, size: number, rootHash: Uint8Array): string {
  if (parsed?.signerKey !== key.signerKey) {
    parsed = { signerKey: key.signerKey, signer: parseSignerKey(key.signerKey) };
  }
  return signNote(formatCheckpoint({ origin: key.origin, size, rootHash }), [parsed.signer]);
}

/** A batch's leaves appended to the tree: what the sequencer then stores. */
export interface TreeExtension {
  size: number;
  root: Uint8Array;
  /** The new compact range (CompactRange.toBytes), kept in the state row. */
  range: Uint8Array;
  checkpoint: string;
  /** The hash tiles' growth: tree levels 0, 8, 16, … and, beside them, 4, 12, 20, …. */
  writes: TileWrite[];
}

/**
 * A sequencer batch as the take returns it (ledger_take_batch, take-batch.ts), one
 * bytea: the `n` entries' queued_at in log order (timestamptz_send: int8 µs since 2000-01-01),
 * then their `n` leaf hashes in the same order.
 */
const TIME = 8;
const HASH = 32;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

function checkPacked(packed: Uint8Array, n: number): void {
  if (packed.length !== n * (TIME + HASH)) {
    throw new Error(`a packed batch of ${n} entries has ${packed.length} bytes`);
  }
}

/** When each entry of a packed batch was queued (its outbox row inserted), in Unix ms. */
export function queuedTimes(packed: Uint8Array, n: number): number[] {
  checkPacked(packed, n);
  const view = new DataView(packed.buffer, packed.byteOffset, n * TIME);
  const times: number[] = new Array(n);
  // Two 32-bit halves rather than a BigInt per entry: µs since 2000 stay far below 2^53.
  for (let i = 0; i < n; i++) {
    const us = view.getInt32(i * TIME) * 2 ** 32 + view.getUint32(i * TIME + 4);
    times[i] = us / 1000 + PG_EPOCH_MS;
  }
  return times;
}

/** A packed batch as the take returns it, from leaf hashes and queued times (Unix ms). */
export function packBatch(leafHashes: Uint8Array[], queuedAt: number[]): Uint8Array {
  const n = leafHashes.length;
  const packed = new Uint8Array(n * (TIME + HASH));
  const view = new DataView(packed.buffer);
  for (let i = 0; i < n; i++) {
    view.setBigInt64(i * TIME, BigInt(Math.round(((queuedAt[i] ?? 0) - PG_EPOCH_MS) * 1000)));
    packed.set(leafHashes[i]!, n * TIME + i * HASH);
  }
  return packed;
}

/**
 * Appends a packed batch's `n` leaves to the tree whose compact range is `range`: the new size
 * and root, the signed checkpoint, and the tile writes. Pure: it runs on the tree thread
 * (tree-thread.ts).
 */
export function extendTree(
  key: CheckpointSigner,
  range: Uint8Array,
  packed: Uint8Array,
  n: number,
): TreeExtension {
  checkPacked(packed, n);
  const hashes = packed.subarray(n * TIME);
  const leafHashes: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) leafHashes[i] = hashes.subarray(i * HASH, (i + 1) * HASH);
  const tree = CompactRange.fromBytes(range);
  const first = tree.size;
  // The leaves go into their tiles as the run they already are; of the nodes above them only
  // tile levels (8·L) and mid levels (8·L + 4) are kept.
  const nodes: { level: number; index: number; hash: Uint8Array }[] = [];
  tree.append(leafHashes, (level, index, hash) => {
    if (level > 0 && level % 4 === 0) nodes.push({ level, index, hash });
  });
  const size = tree.size;
  const root = tree.root();
  return {
    size,
    root,
    range: tree.toBytes(),
    checkpoint: signCheckpoint(key, size, root),
    writes: groupTileWrites({ index: first, hashes }, nodes),
  };
}
