// Receipts: an event, its place in the log, and a cosigned checkpoint, verifiable offline.
//
// The receipt is Goodtrace's JSON rendering of the same facts as C2SP tlog-proof (c2sp.org/tlog-proof):
//
//   { "version": 1,
//     "event": { "type", "v", "at", "data" },          leaf = UTF-8(RFC 8785 canonical JSON of event)
//     "leafIndex": n, "treeSize": s,                   s = the checkpoint's size
//     "inclusionProof": ["base64 hash", …],            RFC 9162 §2.1.3 audit path, leaf sibling first
//     "checkpoint": "<signed note>" }                  C2SP tlog-checkpoint + signed-note, with the
//                                                      log signature and witness cosignatures
//
// verifyReceipt checks, in order: the receipt's shape; leaf hash = SHA-256(0x00 ‖ canonical event);
// the inclusion proof (RFC 9162 §2.1.3.2) against the checkpoint's root; the checkpoint's signature
// by the trusted log key; and cosignatures (C2SP tlog-cosignature) by at least `quorum` of the
// trusted witnesses.

import { decodeBase64, encodeBase64 } from './base64.js';
import { bytesEqual, checkObject, checkSize } from './bytes.js';
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { guard, LedgerError } from './errors.js';
import { checkEvent, encodeEvent, type LedgerEvent } from './jcs.js';
import { hashLeaf, rootFromInclusionProof, verifyInclusion } from './merkle.js';
import {
  type NoteSignature,
  openNote,
  parseVerifierKey,
  splitNote,
  type Verifier,
} from './note.js';

export interface Receipt {
  version: 1;
  event: LedgerEvent;
  leafIndex: number;
  treeSize: number;
  /** Base64 hashes, leaf sibling first. */
  inclusionProof: string[];
  /** The signed checkpoint note: text, blank line, log signature, witness cosignatures. */
  checkpoint: string;
}

/** Whom to trust: the log's key, the witnesses' keys, and how many witnesses must have cosigned. */
export interface TrustPolicy {
  /** The log's verifier key (string or parsed). */
  logKey: string | Verifier;
  /** The witnesses' verifier keys (normally cosignature/v1, type 0x04). */
  witnesses: (string | Verifier)[];
  /** How many distinct witnesses of `witnesses` must have cosigned (0 … witnesses.length). */
  quorum: number;
  /** If given, the checkpoint's origin line must equal it (recommended). */
  origin?: string;
}

export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  /** The checkpoint text (the signed part of the note). */
  text: string;
  logSignature: NoteSignature;
  /** Verified witness signatures (with timestamps for cosignature/v1). */
  cosignatures: NoteSignature[];
  /** Signatures by keys not in the policy (ignored). */
  unverified: NoteSignature[];
}

export interface VerifiedReceipt extends VerifiedCheckpoint {
  event: LedgerEvent;
  leafIndex: number;
  treeSize: number;
  /** The event's canonical bytes (the Merkle leaf) and leaf hash. */
  leaf: Uint8Array;
  leafHash: Uint8Array;
}

function toVerifier(key: unknown, what: string): Verifier {
  if (typeof key === 'string') return parseVerifierKey(key);
  if (typeof key === 'object' && key !== null && typeof (key as Verifier).verify === 'function') {
    return key as Verifier;
  }
  throw new LedgerError('invalid_argument', `${what} must be a verifier key string or a Verifier`);
}

/** A trust policy whose keys parsed and whose quorum is in range (parseTrustPolicy). */
export interface ParsedTrustPolicy {
  logKey: Verifier;
  witnesses: Verifier[];
  quorum: number;
  origin?: string;
}

/**
 * Checks a trust policy before any checkpoint is opened with it: every key parses, the quorum is
 * an integer in [0, witnesses.length], and no key is trusted twice. Returns it with its keys
 * parsed, so a caller that verifies many receipts parses them once. Throws `malformed_key`
 * (or `key_id_mismatch`, `unknown_key_type`), `invalid_argument` or `ambiguous_key`.
 */
export function parseTrustPolicy(policy: TrustPolicy): ParsedTrustPolicy {
  return guard('invalid_argument', () => {
    checkObject(policy, 'policy');
    const log = toVerifier(policy.logKey, 'logKey');
    if (!Array.isArray(policy.witnesses))
      throw new LedgerError('invalid_argument', 'witnesses must be an array');
    const witnesses = policy.witnesses.map((w, i) => toVerifier(w, `witnesses[${i}]`));
    const quorum = policy.quorum;
    if (
      typeof quorum !== 'number' ||
      !Number.isInteger(quorum) ||
      quorum < 0 ||
      quorum > witnesses.length
    ) {
      throw new LedgerError(
        'invalid_argument',
        `quorum must be an integer in [0, ${witnesses.length}]`,
      );
    }
    if (policy.origin !== undefined && typeof policy.origin !== 'string')
      throw new LedgerError('invalid_argument', 'origin must be a string');
    // One party, one vote: the cosigner's name is not signed, so the same public key under two
    // names (or the log's own key posing as a witness) must not count twice; and two keys under
    // one name and key ID would make a signature line ambiguous.
    const keys = [log, ...witnesses];
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const [a, b] = [keys[i]!, keys[j]!];
        if (bytesEqual(a.publicKey, b.publicKey)) {
          throw new LedgerError('ambiguous_key', `${a.name} and ${b.name} share a public key`);
        }
        if (a.name === b.name && a.keyId === b.keyId) {
          throw new LedgerError('ambiguous_key', `two keys are named ${a.name} with one key ID`);
        }
      }
    }
    return {
      logKey: log,
      witnesses,
      quorum,
      ...(policy.origin !== undefined ? { origin: policy.origin } : {}),
    };
  });
}

/**
 * Opens a signed checkpoint under a trust policy: it must be signed by the log key, parse as a
 * C2SP checkpoint (with the expected origin, if given) and carry cosignatures from at least
 * `quorum` distinct trusted witnesses.
 */
export function verifyCheckpoint(
  signedCheckpoint: string,
  policy: TrustPolicy,
): VerifiedCheckpoint {
  return guard('invalid_argument', () => {
    const { logKey: log, witnesses, quorum, origin } = parseTrustPolicy(policy);
    const keys = [log, ...witnesses];
    const opened = guard('malformed_note', () => {
      try {
        return openNote(signedCheckpoint, keys);
      } catch (e) {
        if (e instanceof LedgerError && e.code === 'no_verifiable_signature') {
          throw new LedgerError('log_signature_missing', 'checkpoint is not signed by the log key');
        }
        throw e;
      }
    });
    const isLog = (s: NoteSignature) => s.name === log.name && s.keyId === log.keyId;
    const logSignature = opened.signatures.find(isLog);
    if (logSignature === undefined) {
      throw new LedgerError('log_signature_missing', 'checkpoint is not signed by the log key');
    }
    const checkpoint = parseCheckpoint(opened.text);
    if (origin !== undefined && checkpoint.origin !== origin) {
      throw new LedgerError(
        'origin_mismatch',
        `checkpoint origin is ${checkpoint.origin}, want ${origin}`,
      );
    }
    const cosignatures = opened.signatures.filter((s) => !isLog(s));
    if (cosignatures.length < quorum) {
      throw new LedgerError(
        'quorum_not_met',
        `${cosignatures.length} of the required ${quorum} witness cosignatures verified`,
      );
    }
    return {
      checkpoint,
      text: opened.text,
      logSignature,
      cosignatures,
      unverified: opened.unverified,
    };
  });
}

const RECEIPT_KEYS = 'checkpoint,event,inclusionProof,leafIndex,treeSize,version';

/** Checks a parsed receipt's shape (not its proofs); `malformed_receipt` on anything unexpected. */
function checkReceipt(receipt: unknown): Receipt {
  if (typeof receipt === 'string') {
    try {
      receipt = JSON.parse(receipt);
    } catch (e) {
      throw new LedgerError('malformed_receipt', 'receipt is not JSON', { cause: e });
    }
  }
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) {
    throw new LedgerError('malformed_receipt', 'receipt must be an object');
  }
  const r = receipt as Record<string, unknown>;
  if (Object.keys(r).sort().join(',') !== RECEIPT_KEYS) {
    throw new LedgerError(
      'malformed_receipt',
      `receipt must have exactly the members ${RECEIPT_KEYS}`,
    );
  }
  if (r.version !== 1) throw new LedgerError('malformed_receipt', 'unsupported receipt version');
  if (typeof r.checkpoint !== 'string')
    throw new LedgerError('malformed_receipt', 'checkpoint must be a string');
  if (!Array.isArray(r.inclusionProof) || !r.inclusionProof.every((h) => typeof h === 'string')) {
    throw new LedgerError('malformed_receipt', 'inclusionProof must be an array of base64 strings');
  }
  if (r.inclusionProof.length > 64)
    throw new LedgerError('proof_wrong_length', 'inclusion proof too long');
  checkSize(r.leafIndex, 'leafIndex');
  checkSize(r.treeSize, 'treeSize');
  checkEvent(r.event);
  return receipt as Receipt;
}

/**
 * Verifies a receipt (object or JSON text) end to end against trusted keys and a witness policy.
 * Returns what was verified; throws a LedgerError with a stable code on any failure.
 */
export function verifyReceipt(receipt: unknown, policy: TrustPolicy): VerifiedReceipt {
  return guard('malformed_receipt', () => {
    const r = checkReceipt(receipt);
    // 1. The leaf: canonical event bytes, then its RFC 9162 leaf hash.
    const leaf = encodeEvent(r.event);
    const leafHash = hashLeaf(leaf);
    // 2. The proof hashes: canonical base64 of 32 bytes each.
    const proof = r.inclusionProof.map((h, i) => {
      try {
        return decodeBase64(h, 32);
      } catch (e) {
        throw new LedgerError(
          'invalid_base64',
          `inclusionProof[${i}] is not canonical base64 of 32 bytes`,
          {
            cause: e,
          },
        );
      }
    });
    // 3. The root the proof leads to, checked below against the signed checkpoint's root.
    const root = rootFromInclusionProof(leafHash, r.leafIndex, r.treeSize, proof);
    // 4. The checkpoint: signed by the log key, cosigned by a quorum of witnesses.
    const verified = verifyCheckpoint(r.checkpoint, policy);
    // 5. The receipt's tree is the checkpoint's tree.
    if (verified.checkpoint.size !== r.treeSize) {
      throw new LedgerError(
        'tree_size_mismatch',
        `receipt treeSize ${r.treeSize} differs from checkpoint size ${verified.checkpoint.size}`,
      );
    }
    // 6. The proof's root is the signed root.
    if (!bytesEqual(root, verified.checkpoint.rootHash)) {
      throw new LedgerError(
        'root_mismatch',
        'the inclusion proof does not lead to the checkpoint root',
      );
    }
    return {
      ...verified,
      event: r.event,
      leafIndex: r.leafIndex,
      treeSize: r.treeSize,
      leaf,
      leafHash,
    };
  });
}

/**
 * Assembles a receipt from an event, its index, its inclusion proof and the cosigned checkpoint
 * note. Checks the pieces fit together (the proof leads to the checkpoint's root); it does not
 * check signatures — the reader does that with verifyReceipt.
 */
export function createReceipt(args: {
  event: LedgerEvent;
  leafIndex: number;
  inclusionProof: Uint8Array[];
  checkpoint: string;
}): Receipt {
  return guard('malformed_receipt', () => {
    checkObject(args, 'arguments');
    const { text } = splitNote(args.checkpoint);
    const checkpoint = parseCheckpoint(text);
    verifyInclusion({
      leafHash: hashLeaf(encodeEvent(args.event)),
      index: args.leafIndex,
      treeSize: checkpoint.size,
      proof: args.inclusionProof,
      rootHash: checkpoint.rootHash,
    });
    return {
      version: 1,
      event: args.event,
      leafIndex: args.leafIndex,
      treeSize: checkpoint.size,
      inclusionProof: args.inclusionProof.map(encodeBase64),
      checkpoint: args.checkpoint,
    };
  });
}
