// Base64 as RFC 4648 §4 (standard alphabet, with `=` padding), strict and canonical.
//
// C2SP signed-note, tlog-checkpoint and the Go sumdb/note key strings all use this encoding. The
// decoder accepts exactly the strings the encoder produces: length a multiple of 4, padding only
// at the end and only as much as needed, no whitespace, no base64url characters, and zero bits in
// the unused low bits of the last symbol (RFC 4648 §3.5). So each byte string has one encoding,
// and two different strings never decode to the same bytes.

import { LedgerError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = bytes[i]! * 0x10000 + bytes[i + 1]! * 0x100 + bytes[i + 2]!;
    out +=
      ALPHABET[Math.floor(n / 0x40000)]! +
      ALPHABET[Math.floor(n / 0x1000) % 64]! +
      ALPHABET[Math.floor(n / 64) % 64]! +
      ALPHABET[n % 64]!;
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full]!;
    out += `${ALPHABET[Math.floor(n / 4)]!}${ALPHABET[(n % 4) * 16]!}==`;
  } else if (rest === 2) {
    const n = bytes[full]! * 0x100 + bytes[full + 1]!;
    out += `${ALPHABET[Math.floor(n / 0x400)]!}${ALPHABET[Math.floor(n / 16) % 64]!}${ALPHABET[(n % 16) * 4]!}=`;
  }
  return out;
}

/**
 * Decodes canonical standard base64; throws LedgerError `invalid_base64` on anything else.
 * With `expectedLength`, also requires the decoded length (same code on mismatch).
 */
export function decodeBase64(s: string, expectedLength?: number): Uint8Array {
  if (typeof s !== 'string')
    throw new LedgerError('invalid_base64', 'base64 input must be a string');
  if (s.length % 4 !== 0)
    throw new LedgerError('invalid_base64', 'base64 length is not a multiple of 4');
  let pad = 0;
  if (s.length > 0 && s.charCodeAt(s.length - 1) === 0x3d)
    pad = s.charCodeAt(s.length - 2) === 0x3d ? 2 : 1;
  const length = (s.length / 4) * 3 - pad;
  if (expectedLength !== undefined && length !== expectedLength) {
    throw new LedgerError(
      'invalid_base64',
      `base64 decodes to ${length} bytes, want ${expectedLength}`,
    );
  }
  const out = new Uint8Array(length);
  const symbols = s.length - pad;
  let at = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < symbols; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw new LedgerError('invalid_base64', `invalid base64 character at ${i}`);
    acc = acc * 64 + v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const div = 2 ** bits;
      out[at++] = Math.floor(acc / div);
      acc %= div;
    }
  }
  // Canonical form: the bits left over in the last symbol must be zero.
  if (acc !== 0)
    throw new LedgerError('invalid_base64', 'non-canonical base64 (non-zero padding bits)');
  return out;
}
