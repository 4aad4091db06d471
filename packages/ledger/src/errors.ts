// Errors of @goodtrace/ledger: one class, a closed set of stable codes.
//
// Every verify*, open*, parse* and decode* function of this package throws a LedgerError (and
// nothing else) when its input is malformed or does not verify. Callers branch on `code`, never
// on `message`; the messages are for humans and may change.

/** Every code a LedgerError can carry. Stable: adding one is a minor change, removing one major. */
export const LEDGER_ERROR_CODES = [
  /** An argument has the wrong type or shape (not a Uint8Array, not an array, unknown option). */
  'invalid_argument',
  /** A hash is not exactly 32 bytes. */
  'invalid_hash',
  /** A size, index or timestamp is not a safe non-negative integer (≤ 2^53 − 1). */
  'size_out_of_range',
  /** A leaf index is not below the tree size. */
  'index_out_of_range',
  /** Two sizes contradict each other (an old size larger than the new one). */
  'invalid_size',
  /** A proof was asked for, or checked against, an empty tree. */
  'empty_tree',
  /** A proof has more or fewer hashes than the tree shape requires. */
  'proof_wrong_length',
  /** A proof, or a pair of roots, does not lead to the expected root hash. */
  'root_mismatch',
  /** A hashAt callback (the hash store) returned something that is not a 32-byte hash. */
  'hash_store',
  /** Base64 that is not canonical standard RFC 4648 §4 base64 with padding. */
  'invalid_base64',
  /** A signer or verifier key string that does not parse. */
  'malformed_key',
  /** A key whose type byte this package does not implement. */
  'unknown_key_type',
  /** A key string whose hexadecimal key ID is not the one its name and key hash to. */
  'key_id_mismatch',
  /** Two trusted keys share a (name, key ID), or one public key appears under two names. */
  'ambiguous_key',
  /** A signed note that is not well formed (C2SP signed-note). */
  'malformed_note',
  /** The same key signed a note twice, or was asked to sign it twice. */
  'duplicate_signature',
  /** A signature by a trusted key does not verify. */
  'invalid_signature',
  /** A note carries no signature by any trusted key. */
  'no_verifiable_signature',
  /** A signature line is by a key other than the one it was checked against. */
  'unknown_key',
  /** A checkpoint text that is not well formed (C2SP tlog-checkpoint). */
  'malformed_checkpoint',
  /** A cosignature that is not well formed (C2SP tlog-cosignature). */
  'malformed_cosignature',
  /** A tile path, tile or entry bundle that is not well formed (C2SP tlog-tiles). */
  'malformed_tile',
  /** Bytes that are not a saved CompactRange. */
  'malformed_compact_range',
  /** A value that RFC 8785 cannot canonicalise, or an event not of the ledger's shape. */
  'invalid_json',
  /** A receipt document that is not of the receipt shape. */
  'malformed_receipt',
  /** The receipt's treeSize differs from its checkpoint's size. */
  'tree_size_mismatch',
  /** The checkpoint's origin is not the expected log's. */
  'origin_mismatch',
  /** The checkpoint is not signed by the trusted log key. */
  'log_signature_missing',
  /** Fewer trusted witnesses cosigned the checkpoint than the policy requires. */
  'quorum_not_met',
  /** The installed crypto provider returned something of the wrong shape. */
  'crypto_provider',
] as const;

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

/** The one error class of this package. `code` is stable; branch on it. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `e` is a LedgerError, and (if given) carries `code`. */
export function isLedgerError(e: unknown, code?: LedgerErrorCode): e is LedgerError {
  return e instanceof LedgerError && (code === undefined || e.code === code);
}

/**
 * Runs `fn` so that nothing but a LedgerError escapes: any other exception (a hostile getter, a
 * crypto provider that throws, a bug) becomes a LedgerError with `fallback` as its code.
 */
export function guard<T>(fallback: LedgerErrorCode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toLedgerError(e, fallback);
  }
}

export function toLedgerError(e: unknown, fallback: LedgerErrorCode): LedgerError {
  if (e instanceof LedgerError) return e;
  let message = 'unexpected error';
  try {
    message = e instanceof Error ? String(e.message) : String(e);
  } catch {
    // A value whose message cannot even be read keeps the generic message.
  }
  return new LedgerError(fallback, message, { cause: e });
}
