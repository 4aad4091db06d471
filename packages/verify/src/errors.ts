// Errors of @goodtrace/verify: one class, a closed set of stable codes.
//
// A VerifyError is the caller's problem, never the receipt's: the keys it was asked to trust do
// not parse or trust one key twice, the server contradicts itself about its own key, a receipt
// file is not of the file's shape. A receipt that does not hold is not an error: the verify
// functions answer it with a result whose state is `failed` and whose checks say why.

/** Every code a VerifyError can carry. Stable: adding one is a minor change, removing one major. */
export const VERIFY_ERROR_CODES = [
  /** A verifier key that does not parse (its `field` says which). */
  'malformed_key',
  /** One key trusted twice: the same public key under two names, or the log posing as a witness. */
  'ambiguous_key',
  /** A quorum that is not a whole number from 0 to the number of witnesses trusted. */
  'quorum_out_of_range',
  /** The server's GET /log/key and GET /api/log name different log keys. */
  'key_mismatch',
  /** GET /api/log lacks the origin or the witness list, or is not an object. */
  'malformed_log_description',
  /** A receipt file that is neither a receipt nor `{ receipt, donor?: { secret, donationId } }`. */
  'malformed_file',
  /** An argument of the wrong type (a trust that did not come from parseTrust, say). */
  'invalid_argument',
] as const;

export type VerifyErrorCode = (typeof VERIFY_ERROR_CODES)[number];

/** The one error class of this package. Branch on `code` (and `field`), never on `message`. */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  readonly code: VerifyErrorCode;
  /** Which input was at fault: `logKey`, `witnesses[2]`, `quorum`, `donor`… when one was. */
  readonly field?: string;

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** True when `e` is a VerifyError, and (if given) carries `code`. */
export function isVerifyError(e: unknown, code?: VerifyErrorCode): e is VerifyError {
  return e instanceof VerifyError && (code === undefined || e.code === code);
}
