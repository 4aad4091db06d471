// Merkle tree hashing and proofs: RFC 9162 §2.1 (identical to RFC 6962 §2.1 with SHA-256).
//
//   §2.1.1   MTH: leaf = SHA-256(0x00 ‖ d), node = SHA-256(0x01 ‖ left ‖ right), k = the largest
//            power of two strictly less than n, MTH({}) = SHA-256("").
//   §2.1.3.1 PATH(m, D[n])  – inclusion proof generation  (proveInclusion)
//   §2.1.3.2 inclusion proof verification                 (verifyInclusion)
//   §2.1.4.1 PROOF(m, D[n]) – consistency proof generation (proveConsistency)
//   §2.1.4.2 consistency proof verification               (verifyConsistency)
//
// Edge cases the RFC leaves open follow transparency-dev/merkle (proof/verify.go): a leaf hash
// must be 32 bytes, size 0 has no inclusion proof, a consistency proof from size 0 is an error
// (even 0 → 0), equal sizes need an empty proof and equal roots, and the proof length must be
// exactly what the tree shape requires. Sizes and indexes are safe integers; all index arithmetic
// uses Math.floor(x / 2) and x % 2, never 32-bit bit operators.

import {
  bitLengthOfXor,
  bytesEqual,
  checkBytes,
  checkHash,
  checkHashList,
  checkObject,
  checkSize,
  HASH_SIZE,
  largestPowerOfTwoAtMost,
  popCount,
  trailingZeros,
} from './bytes.js';
import { sha256 } from './crypto.js';
import { guard, LedgerError, toLedgerError } from './errors.js';

/** A node of the tree: the root of the perfect subtree over leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/**
 * Reads the hash of a complete subtree (an RFC 6962 node) from a hash store: level 0 holds the
 * leaf hashes. The provers only ask for nodes whose leaves all lie inside the tree being proved.
 */
export type HashAt = (node: NodeId) => Uint8Array | Promise<Uint8Array>;

const scratch = new Uint8Array(1 + 2 * HASH_SIZE);
scratch[0] = 0x01;

/** Reused input buffer for leaf hashes of small entries (a provider's sha256 keeps no reference). */
const leafScratch = new Uint8Array(1024);

/** RFC 9162 §2.1.1: the leaf hash SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  checkBytes(data, 'data');
  if (data.length < leafScratch.length) {
    leafScratch.set(data, 1);
    return sha256(leafScratch.subarray(0, data.length + 1));
  }
  const buf = new Uint8Array(data.length + 1);
  buf.set(data, 1);
  return sha256(buf);
}

/** RFC 9162 §2.1.1: the interior node hash SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  checkBytes(left, 'left');
  checkBytes(right, 'right');
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) return nodeHash(left, right);
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/**
 * Hot path (internal): both inputs already known to be 32 bytes. Reuses one buffer, which is safe
 * because a provider's sha256 keeps no reference to its input.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}

/** SHA-256(""), the root of the empty tree. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/**
 * RFC 9162 §2.1.1: MTH of a list of leaf hashes, by the recursive definition (split at the largest
 * power of two below n). SHA-256("") for an empty list.
 */
export function rootHash(leafHashes: Uint8Array[]): Uint8Array {
  checkHashList(leafHashes, 'leafHashes');
  if (leafHashes.length === 0) return emptyRoot();
  return mth(leafHashes, 0, leafHashes.length);
}

function mth(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 1) return leaves[lo]!;
  const k = largestPowerOfTwoAtMost(n - 1);
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

// ---------------------------------------------------------------------------------------------
// Proof generation

/** A proof element: MTH of leaves [lo, hi). */
type Range = [lo: number, hi: number];

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) as a list of leaf ranges, leaf sibling first. */
function inclusionRanges(m: number, lo: number, hi: number, out: Range[]): void {
  const n = hi - lo;
  if (n === 1) return;
  const k = largestPowerOfTwoAtMost(n - 1);
  if (m < k) {
    inclusionRanges(m, lo, lo + k, out);
    out.push([lo + k, hi]);
  } else {
    inclusionRanges(m - k, lo + k, hi, out);
    out.push([lo, lo + k]);
  }
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b) as a list of leaf ranges. */
function consistencyRanges(m: number, lo: number, hi: number, b: boolean, out: Range[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!b) out.push([lo, hi]);
    return;
  }
  const k = largestPowerOfTwoAtMost(n - 1);
  if (m <= k) {
    consistencyRanges(m, lo, lo + k, b, out);
    out.push([lo + k, hi]);
  } else {
    consistencyRanges(m - k, lo + k, hi, false, out);
    out.push([lo, lo + k]);
  }
}

/**
 * The perfect subtrees whose hashes, folded right to left, give MTH(D[lo:hi]). Every range the
 * provers produce starts at a multiple of a power of two ≥ its length, so its binary
 * decomposition, largest block first, is made of aligned complete subtrees.
 */
function decompose([lo, hi]: Range, out: NodeId[]): number {
  let count = 0;
  let at = lo;
  while (at < hi) {
    const size = largestPowerOfTwoAtMost(hi - at);
    out.push({ level: Math.round(Math.log2(size)), index: at / size });
    at += size;
    count++;
  }
  return count;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/** Fetches every node of every range, then folds each range's nodes into its MTH. */
function buildProof(ranges: Range[], hashAt: HashAt): Uint8Array[] | Promise<Uint8Array[]> {
  const nodes: NodeId[] = [];
  const counts = ranges.map((r) => decompose(r, nodes));
  const results = nodes.map((node) => {
    try {
      return hashAt({ level: node.level, index: node.index });
    } catch (e) {
      throw toLedgerError(e, 'hash_store');
    }
  });
  const fold = (hashes: unknown[]): Uint8Array[] => {
    const proof: Uint8Array[] = [];
    let at = 0;
    for (const count of counts) {
      let h = storeHash(hashes[at + count - 1], nodes[at + count - 1]!);
      for (let i = at + count - 2; i >= at; i--) h = nodeHash(storeHash(hashes[i], nodes[i]!), h);
      proof.push(h);
      at += count;
    }
    return proof;
  };
  if (results.some(isPromiseLike)) {
    return Promise.all(results).then(
      (hashes) => guard('hash_store', () => fold(hashes)),
      (e) => {
        throw toLedgerError(e, 'hash_store');
      },
    );
  }
  return fold(results);
}

function storeHash(h: unknown, node: NodeId): Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new LedgerError(
      'hash_store',
      `hashAt(${node.level}, ${node.index}) did not return 32 bytes`,
    );
  }
  return h;
}

function checkHashAt(hashAt: unknown): HashAt {
  if (typeof hashAt !== 'function')
    throw new LedgerError('invalid_argument', 'hashAt must be a function');
  return hashAt as HashAt;
}

/**
 * RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of `treeSize` leaves, leaf
 * sibling first. Synchronous when `hashAt` is; a Promise as soon as it returns one.
 */
export function proveInclusion(args: {
  index: number;
  treeSize: number;
  hashAt: HashAt;
}): Uint8Array[] | Promise<Uint8Array[]> {
  return guard('invalid_argument', () => {
    checkObject(args, 'arguments');
    const index = checkSize(args.index, 'index');
    const treeSize = checkSize(args.treeSize, 'treeSize');
    const hashAt = checkHashAt(args.hashAt);
    if (treeSize === 0)
      throw new LedgerError('empty_tree', 'the empty tree has no inclusion proofs');
    if (index >= treeSize) {
      throw new LedgerError(
        'index_out_of_range',
        `index ${index} is not below tree size ${treeSize}`,
      );
    }
    const ranges: Range[] = [];
    inclusionRanges(index, 0, treeSize, ranges);
    return buildProof(ranges, hashAt);
  });
}

/**
 * RFC 9162 §2.1.4.1: the consistency proof PROOF(oldSize, D[newSize]). Empty when the sizes are
 * equal. Synchronous when `hashAt` is; a Promise as soon as it returns one.
 */
export function proveConsistency(args: {
  oldSize: number;
  newSize: number;
  hashAt: HashAt;
}): Uint8Array[] | Promise<Uint8Array[]> {
  return guard('invalid_argument', () => {
    checkObject(args, 'arguments');
    const oldSize = checkSize(args.oldSize, 'oldSize');
    const newSize = checkSize(args.newSize, 'newSize');
    const hashAt = checkHashAt(args.hashAt);
    if (oldSize > newSize)
      throw new LedgerError('invalid_size', `oldSize ${oldSize} > newSize ${newSize}`);
    if (oldSize === 0)
      throw new LedgerError('empty_tree', 'a consistency proof from the empty tree is meaningless');
    const ranges: Range[] = [];
    if (oldSize < newSize) consistencyRanges(oldSize, 0, newSize, true, ranges);
    return buildProof(ranges, hashAt);
  });
}

// ---------------------------------------------------------------------------------------------
// Proof verification

/** transparency-dev/merkle decompInclProof: the exact length of an inclusion proof. */
function inclusionProofShape(index: number, size: number): { inner: number; border: number } {
  const inner = bitLengthOfXor(index, size - 1);
  const border = popCount(Math.floor(index / 2 ** inner));
  return { inner, border };
}

/**
 * RFC 9162 §2.1.3.2: checks that `proof` proves the leaf with hash `leafHash` at `index` in the tree
 * of `treeSize` leaves whose root is `rootHash`. Returns nothing; throws a LedgerError otherwise.
 */
export function verifyInclusion(args: {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: Uint8Array[];
  rootHash: Uint8Array;
}): void {
  guard('invalid_argument', () => {
    checkObject(args, 'arguments');
    const { leafHash, index, treeSize, proof, rootHash: root } = args;
    const computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
    checkHash(root, 'rootHash');
    if (!bytesEqual(computed, root)) {
      throw new LedgerError('root_mismatch', 'the inclusion proof leads to a different root');
    }
  });
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–4, without the final compare). */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: Uint8Array[],
): Uint8Array {
  checkSize(treeSize, 'treeSize');
  checkSize(index, 'index');
  if (treeSize === 0) throw new LedgerError('empty_tree', 'the empty tree contains no leaves');
  if (index >= treeSize) {
    throw new LedgerError(
      'index_out_of_range',
      `index ${index} is not below tree size ${treeSize}`,
    );
  }
  checkHash(leafHash, 'leafHash');
  checkHashList(proof, 'proof');
  const { inner, border } = inclusionProofShape(index, treeSize);
  if (proof.length !== inner + border) {
    throw new LedgerError(
      'proof_wrong_length',
      `an inclusion proof for index ${index} in a tree of ${treeSize} has ${inner + border} hashes, got ${proof.length}`,
    );
  }
  // RFC 9162 §2.1.3.2, steps 2–3.
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new LedgerError('proof_wrong_length', 'inclusion proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // fn even means a right-edge node: skip the levels where it has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 4: sn must have reached 0, else the proof was too short.
  if (sn !== 0) throw new LedgerError('proof_wrong_length', 'inclusion proof too short');
  return r;
}

/**
 * RFC 9162 §2.1.4.2: checks that `proof` shows the tree of `newSize` leaves with root `newRoot`
 * extends the tree of `oldSize` leaves with root `oldRoot`. Returns nothing; throws a LedgerError
 * otherwise.
 */
export function verifyConsistency(args: {
  oldSize: number;
  newSize: number;
  proof: Uint8Array[];
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
}): void {
  guard('invalid_argument', () => {
    checkObject(args, 'arguments');
    const { proof, oldRoot, newRoot } = args;
    const oldSize = checkSize(args.oldSize, 'oldSize');
    const newSize = checkSize(args.newSize, 'newSize');
    if (oldSize > newSize)
      throw new LedgerError('invalid_size', `oldSize ${oldSize} > newSize ${newSize}`);
    if (oldSize === 0) {
      throw new LedgerError('empty_tree', 'a consistency proof from the empty tree is meaningless');
    }
    checkHash(oldRoot, 'oldRoot');
    checkHash(newRoot, 'newRoot');
    checkHashList(proof, 'proof');
    if (oldSize === newSize) {
      if (proof.length !== 0) {
        throw new LedgerError('proof_wrong_length', 'equal sizes need an empty consistency proof');
      }
      if (!bytesEqual(oldRoot, newRoot))
        throw new LedgerError('root_mismatch', 'equal sizes but different roots');
      return;
    }
    // Exact length, as transparency-dev/merkle: the proof is (seed?) + the suffix of the inclusion
    // proof of leaf oldSize-1 in newSize, above level `shift`.
    const shift = trailingZeros(oldSize);
    const { inner, border } = inclusionProofShape(oldSize - 1, newSize);
    const oldIsPowerOfTwo = oldSize === 2 ** shift;
    const want = (oldIsPowerOfTwo ? 0 : 1) + inner - shift + border;
    if (proof.length !== want) {
      throw new LedgerError(
        'proof_wrong_length',
        `a consistency proof from ${oldSize} to ${newSize} has ${want} hashes, got ${proof.length}`,
      );
    }
    // RFC 9162 §2.1.4.2. Step 2: when oldSize is a power of two, oldRoot is the implicit first element.
    let fn = oldSize - 1;
    let sn = newSize - 1;
    // Step 4: drop the levels where the old tree's last node is a right child.
    while (fn % 2 === 1) {
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    const first = oldIsPowerOfTwo ? oldRoot : proof[0]!;
    let fr = first;
    let sr = first;
    for (let i = oldIsPowerOfTwo ? 0 : 1; i < proof.length; i++) {
      const c = proof[i]!;
      if (sn === 0) throw new LedgerError('proof_wrong_length', 'consistency proof too long');
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        // fn even means a right-edge node: skip the levels where it has no sibling.
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new LedgerError('proof_wrong_length', 'consistency proof too short');
    if (!bytesEqual(fr, oldRoot))
      throw new LedgerError('root_mismatch', 'the proof does not lead to oldRoot');
    if (!bytesEqual(sr, newRoot))
      throw new LedgerError('root_mismatch', 'the proof does not lead to newRoot');
  });
}
