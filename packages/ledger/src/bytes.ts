// Small byte, number and text helpers shared by the other modules (not exported from the package).
//
// Numbers: sizes and indexes are JS numbers restricted to safe integers (≤ 2^53 − 1). JS bit
// operators (`>>`, `&`, `^`) truncate to 32 bits, so nothing here or elsewhere in this package
// applies them to a size or an index; we use Math.floor(x / 2), x % 2 and friends instead.

import { LedgerError, type LedgerErrorCode } from './errors.js';

export const HASH_SIZE = 32;

/** True for a Uint8Array (including Node's Buffer subclass and arrays from other realms). */
export function isBytes(a: unknown): a is Uint8Array {
  return (
    a instanceof Uint8Array ||
    (ArrayBuffer.isView(a) &&
      (a as { constructor?: { name?: string } }).constructor?.name === 'Uint8Array')
  );
}

export function checkBytes(a: unknown, what: string): Uint8Array {
  if (!isBytes(a)) throw new LedgerError('invalid_argument', `${what} must be a Uint8Array`);
  return a;
}

export function checkHash(a: unknown, what: string): Uint8Array {
  if (!isBytes(a)) throw new LedgerError('invalid_hash', `${what} must be a 32-byte Uint8Array`);
  if (a.length !== HASH_SIZE) {
    throw new LedgerError('invalid_hash', `${what} must be 32 bytes, got ${a.length}`);
  }
  return a;
}

export function checkHashList(a: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(a)) throw new LedgerError('invalid_argument', `${what} must be an array`);
  for (let i = 0; i < a.length; i++) checkHash(a[i], `${what}[${i}]`);
  return a as Uint8Array[];
}

/** A non-negative safe integer (a tree size, an index, a timestamp), else `size_out_of_range`. */
export function checkSize(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new LedgerError(
      'size_out_of_range',
      `${what} must be an integer in [0, 2^53 - 1], got ${describe(n)}`,
    );
  }
  return n;
}

export function checkObject(a: unknown, what: string): Record<string, unknown> {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) {
    throw new LedgerError('invalid_argument', `${what} must be an object`);
  }
  return a as Record<string, unknown>;
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return typeof v;
}

/** A fresh copy of bytes[start, end) (Node's Buffer#slice would return a view, so never call .slice). */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Big-endian uint32 of bytes[at..at+4). */
export function readUint32(bytes: Uint8Array, at: number): number {
  return (
    bytes[at]! * 0x1000000 + bytes[at + 1]! * 0x10000 + bytes[at + 2]! * 0x100 + bytes[at + 3]!
  );
}

export function writeUint32(bytes: Uint8Array, at: number, n: number): void {
  bytes[at] = Math.floor(n / 0x1000000) % 256;
  bytes[at + 1] = Math.floor(n / 0x10000) % 256;
  bytes[at + 2] = Math.floor(n / 0x100) % 256;
  bytes[at + 3] = n % 256;
}

/** Big-endian uint64 of bytes[at..at+8); null when it exceeds 2^53 − 1. */
export function readUint64(bytes: Uint8Array, at: number): number | null {
  const hi = readUint32(bytes, at);
  const lo = readUint32(bytes, at + 4);
  if (hi > 0x1fffff) return null;
  return hi * 0x100000000 + lo;
}

export function writeUint64(bytes: Uint8Array, at: number, n: number): void {
  writeUint32(bytes, at, Math.floor(n / 0x100000000));
  writeUint32(bytes, at + 4, n % 0x100000000);
}

/** The largest power of two ≤ n, for 1 ≤ n ≤ 2^53 (exact: corrects Math.log2 rounding). */
export function largestPowerOfTwoAtMost(n: number): number {
  let p = 2 ** Math.floor(Math.log2(n));
  while (p > n) p /= 2;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Number of significant bits of n (0 for 0). */
export function bitLength(n: number): number {
  let bits = 0;
  while (n >= 1) {
    n = Math.floor(n / 2);
    bits++;
  }
  return bits;
}

/** Number of set bits of n. */
export function popCount(n: number): number {
  let count = 0;
  while (n >= 1) {
    count += n % 2;
    n = Math.floor(n / 2);
  }
  return count;
}

/** Bit length of (a XOR b), computed without 32-bit operators. */
export function bitLengthOfXor(a: number, b: number): number {
  let bits = 0;
  let i = 0;
  while (a >= 1 || b >= 1) {
    i++;
    if (a % 2 !== b % 2) bits = i;
    a = Math.floor(a / 2);
    b = Math.floor(b / 2);
  }
  return bits;
}

/** Number of trailing zero bits of n ≥ 1. */
export function trailingZeros(n: number): number {
  let zeros = 0;
  while (n % 2 === 0) {
    n /= 2;
    zeros++;
  }
  return zeros;
}

/**
 * UTF-8 encoding of a JS string. Rejects lone surrogates (a string that is not valid Unicode has
 * no UTF-8 form; TextEncoder would silently turn them into U+FFFD) with `code`.
 */
export function utf8Encode(s: string, code: LedgerErrorCode = 'invalid_argument'): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
    } else if (c < 0x800) {
      out[at++] = 0xc0 + Math.floor(c / 64);
      out[at++] = 0x80 + (c % 64);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new LedgerError(code, 'text is not valid Unicode (lone surrogate)');
      }
      i++;
      c = 0x10000 + (c - 0xd800) * 0x400 + (next - 0xdc00);
      out[at++] = 0xf0 + Math.floor(c / 0x40000);
      out[at++] = 0x80 + (Math.floor(c / 0x1000) % 64);
      out[at++] = 0x80 + (Math.floor(c / 64) % 64);
      out[at++] = 0x80 + (c % 64);
    } else {
      out[at++] = 0xe0 + Math.floor(c / 0x1000);
      out[at++] = 0x80 + (Math.floor(c / 64) % 64);
      out[at++] = 0x80 + (c % 64);
    }
  }
  return out.subarray(0, at);
}

/**
 * True when s has a lone surrogate (is not valid Unicode). ES2024's
 * String.prototype.isWellFormed where the platform has it (Node ≥ 20, current browsers): V8
 * answers it without a scan for a string it stores one byte per character, which event text
 * mostly is, and canonical JSON checks every string and key of every event appended.
 */
export const hasLoneSurrogate: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => !(s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => scanForLoneSurrogate(s);

/** hasLoneSurrogate by a scan of the UTF-16 code units, where isWellFormed is missing. */
export function scanForLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

/**
 * Strict UTF-8 decoding (RFC 3629): rejects overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences with `code`.
 */
export function utf8Decode(bytes: Uint8Array, code: LedgerErrorCode = 'invalid_argument'): string {
  let out = '';
  let chunk: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let cp: number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      cp = b;
      need = 0;
      min = 0;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = b - 0xc0;
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b - 0xe0;
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b - 0xf0;
      need = 3;
      min = 0x10000;
    } else {
      throw new LedgerError(code, `invalid UTF-8 byte at ${i}`);
    }
    for (let j = 1; j <= need; j++) {
      const c = bytes[i + j];
      if (c === undefined || c < 0x80 || c > 0xbf)
        throw new LedgerError(code, `invalid UTF-8 at ${i + j}`);
      cp = cp * 64 + (c - 0x80);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new LedgerError(code, `invalid UTF-8 sequence at ${i}`);
    }
    chunk.push(cp);
    if (chunk.length >= 4096) {
      out += String.fromCodePoint(...chunk);
      chunk = [];
    }
    i += need + 1;
  }
  return out + String.fromCodePoint(...chunk);
}
