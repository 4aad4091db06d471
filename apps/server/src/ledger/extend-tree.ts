import { CompactRange, formatCheckpoint, signNote } from '@goodtrace/ledger';
import { groupTileWrites, type TileWrite } from './tile-store.js';

/** What a batch's tree extension needs of the log's key. */
export interface CheckpointSigner {
  signerKey: string;
  origin: string;
}

/** The log's checkpoint for a tree of `size` leaves with this root, signed with its key. */
export function signCheckpoint(key: CheckpointSigner, size: number, rootHash: Uint8Array): string {
  return signNote(formatCheckpoint({ origin: key.origin, size, rootHash }), [key.signerKey]);
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
 * A sequencer batch as the take returns it (ledger_take_batch), one bytea: per entry in log
 * order its queued_at (timestamptz_send: int8 µs since 2000-01-01) and its leaf hash (computed
 * by PostgreSQL when the row was appended: a generated column).
 */
const ENTRY = 8 + 32;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

function checkPacked(packed: Uint8Array, n: number): void {
  if (packed.length !== n * ENTRY) {
    throw new Error(`a packed batch of ${n} entries has ${packed.length} bytes`);
  }
}

/** When each entry of a packed batch was queued (its outbox row inserted), in Unix ms. */
export function queuedTimes(packed: Uint8Array, n: number): number[] {
  checkPacked(packed, n);
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const times: number[] = new Array(n);
  for (let i = 0; i < n; i++) times[i] = Number(view.getBigInt64(i * ENTRY)) / 1000 + PG_EPOCH_MS;
  return times;
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
  const leafHashes: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) leafHashes[i] = packed.subarray(i * ENTRY + 8, (i + 1) * ENTRY);
  const tree = CompactRange.fromBytes(range);
  const nodes: { level: number; index: number; hash: Uint8Array }[] = [];
  tree.append(leafHashes, (level, index, hash) => {
    if (level % 4 === 0) nodes.push({ level, index, hash });
  });
  const size = tree.size;
  const root = tree.root();
  return {
    size,
    root,
    range: tree.toBytes(),
    checkpoint: signCheckpoint(key, size, root),
    writes: groupTileWrites(nodes),
  };
}
