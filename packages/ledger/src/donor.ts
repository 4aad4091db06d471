import { concatBytes, toHex, utf8Encode } from './bytes.js';
import { sha256 } from './crypto.js';
import { LedgerError } from './errors.js';

const SECRET_HEX = /^[0-9a-f]{64}$/i;

/**
 * The commitment a `donation.received` event carries instead of its donor:
 * hex(SHA-256(secret ‖ utf8(donationId))), the secret being 32 random bytes that only the
 * donor's receipt holds. Whoever has the secret can show a donation on the log is theirs; the
 * log tells nobody else who gave. One definition for the server that writes it and for the
 * browser and the CLI that check it.
 */
export function donorCommitment(secret: Uint8Array, donationId: string): string {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new LedgerError('invalid_argument', 'a donor secret is 32 bytes');
  }
  if (typeof donationId !== 'string') {
    throw new LedgerError('invalid_argument', 'a donation id is a string');
  }
  return toHex(sha256(concatBytes(secret, utf8Encode(donationId))));
}

/** A donor secret as receipts write it (64 hex digits), or null if the text is not one. */
export function parseDonorSecret(hex: string): Uint8Array | null {
  if (typeof hex !== 'string' || !SECRET_HEX.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16));
}
