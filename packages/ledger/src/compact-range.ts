// An incremental Merkle tree state (a "compact range" [0, size)) for RFC 9162 §2.1.1 trees.
//
// The tree of n leaves is the left-to-right sequence of perfect subtrees given by the binary
// expansion of n (RFC 9162 §2.1.1: left subtrees are always perfect). Keeping just their roots,
// O(log n) hashes, is enough to append leaves and to compute MTH without re-reading old leaves:
// the idea of transparency-dev/merkle's `compact` package and Go sumdb/tlog's StoredHashes.
//
// Saved form (toBytes / fromBytes), all integers big-endian:
//   0x01 (format version) ‖ uint64 size ‖ popcount(size) × 32-byte subtree roots, largest first.

import {
  checkBytes,
  checkHash,
  checkSize,
  copyBytes,
  HASH_SIZE,
  isBytes,
  popCount,
  readUint64,
  writeUint64,
} from './bytes.js';
import { guard, LedgerError } from './errors.js';
import { emptyRoot, nodeHash } from './merkle.js';

const FORMAT_VERSION = 0x01;
const HEADER = 9;

/** Called for each node a CompactRange append completes: a leaf (level 0) or a new perfect subtree root. */
export type NodeVisitor = (level: number, index: number, hash: Uint8Array) => void;

export class CompactRange {
  #size = 0;
  /** Roots of the perfect subtrees covering [0, size), largest (leftmost) first. */
  #hashes: Uint8Array[] = [];

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** The subtree roots, largest (leftmost) first: popcount(size) hashes. */
  get hashes(): Uint8Array[] {
    return this.#hashes.slice();
  }

  /**
   * Appends leaf hashes (32 bytes each). The batch is validated first: on error nothing is
   * appended. `onNode`, if given, sees every completed node (level, index, hash) in order,
   * leaves included, which is what a tile writer needs.
   */
  append(leafHashes: Uint8Array[], onNode?: NodeVisitor): void {
    if (!Array.isArray(leafHashes))
      throw new LedgerError('invalid_argument', 'leafHashes must be an array');
    for (let i = 0; i < leafHashes.length; i++) checkHash(leafHashes[i], `leafHashes[${i}]`);
    if (onNode !== undefined && typeof onNode !== 'function') {
      throw new LedgerError('invalid_argument', 'onNode must be a function');
    }
    checkSize(this.#size + leafHashes.length, 'size after append');
    const hashes = this.#hashes;
    let size = this.#size;
    for (const leaf of leafHashes) {
      let h: Uint8Array = leaf;
      let index = size;
      let level = 0;
      onNode?.(0, index, h);
      // Each trailing 1 bit of the old size is a perfect subtree that the new leaf completes.
      while (index % 2 === 1) {
        h = nodeHash(hashes.pop()!, h);
        index = (index - 1) / 2;
        level++;
        onNode?.(level, index, h);
      }
      // A leaf kept as a subtree root is copied, so the caller may reuse its buffer.
      hashes.push(level === 0 ? copyBytes(h) : h);
      size++;
    }
    this.#size = size;
  }

  /** RFC 9162 MTH of the leaves appended so far (SHA-256("") when empty). */
  root(): Uint8Array {
    const hashes = this.#hashes;
    if (hashes.length === 0) return emptyRoot();
    let h = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
    return h;
  }

  /** An independent copy. */
  clone(): CompactRange {
    const copy = new CompactRange();
    copy.#size = this.#size;
    copy.#hashes = this.#hashes.slice();
    return copy;
  }

  /** The saved form: 0x01 ‖ uint64 size ‖ subtree roots. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(HEADER + this.#hashes.length * HASH_SIZE);
    out[0] = FORMAT_VERSION;
    writeUint64(out, 1, this.#size);
    for (const [i, h] of this.#hashes.entries()) out.set(h, HEADER + i * HASH_SIZE);
    return out;
  }

  /** Restores a CompactRange saved by toBytes; throws `malformed_compact_range` on anything else. */
  static fromBytes(bytes: Uint8Array): CompactRange {
    return guard('malformed_compact_range', () => {
      checkBytes(bytes, 'bytes');
      if (bytes.length < HEADER || bytes[0] !== FORMAT_VERSION) {
        throw new LedgerError('malformed_compact_range', 'not a saved CompactRange (bad header)');
      }
      const size = readUint64(bytes, 1);
      if (size === null) throw new LedgerError('size_out_of_range', 'saved size exceeds 2^53 - 1');
      const count = popCount(size);
      if (bytes.length !== HEADER + count * HASH_SIZE) {
        throw new LedgerError(
          'malformed_compact_range',
          `a range of size ${size} holds ${count} hashes, got ${bytes.length - HEADER} bytes`,
        );
      }
      const range = new CompactRange();
      range.#size = size;
      for (let i = 0; i < count; i++) {
        range.#hashes.push(copyBytes(bytes, HEADER + i * HASH_SIZE, HEADER + (i + 1) * HASH_SIZE));
      }
      return range;
    });
  }

  /** Builds a range from its size and subtree roots (as `hashes` returns them). */
  static fromHashes(size: number, hashes: Uint8Array[]): CompactRange {
    return guard('malformed_compact_range', () => {
      checkSize(size, 'size');
      if (!Array.isArray(hashes) || !hashes.every(isBytes)) {
        throw new LedgerError('invalid_argument', 'hashes must be an array of Uint8Array');
      }
      for (const [i, h] of hashes.entries()) checkHash(h, `hashes[${i}]`);
      if (hashes.length !== popCount(size)) {
        throw new LedgerError(
          'malformed_compact_range',
          `size ${size} needs ${popCount(size)} hashes`,
        );
      }
      const range = new CompactRange();
      range.#size = size;
      range.#hashes = hashes.map((h) => copyBytes(h));
      return range;
    });
  }
}
