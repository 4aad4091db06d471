// Canonical event bytes: RFC 8785 JSON Canonicalization Scheme (JCS), via the `canonicalize` library.
//
// RFC 8785 §3.2: no whitespace; object members sorted by the UTF-16 code units of their names;
// strings escaped as ECMAScript JSON.stringify does; numbers serialised as ECMAScript's
// Number.prototype.toString. The input must be I-JSON (RFC 7493, required by RFC 8785 §3.1), so we
// reject first what `canonicalize` would silently accept or alter: lone surrogates, non-finite
// numbers, undefined, functions, symbols, bigints, toJSON methods, non-plain objects, and integers
// beyond ±(2^53 − 1) (RFC 7493 §2.2), which a JSON parser elsewhere could not read back exactly.
//
// A ledger event is { "type", "v", "at", "data" } (docs/ARCHITECTURE.md); the Merkle leaf is the
// UTF-8 encoding of its canonical form, and the leaf hash is RFC 9162's SHA-256(0x00 ‖ leaf).

import canonicalize from 'canonicalize';
import { hasLoneSurrogate, utf8Encode } from './bytes.js';
import { guard, LedgerError } from './errors.js';
import { hashLeaf } from './merkle.js';

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** An event on the ledger. */
export interface LedgerEvent {
  /** e.g. "donation.received". */
  type: string;
  /** Schema version of this event type, a positive integer. */
  v: number;
  /** When it happened, an RFC 3339 timestamp string. */
  at: string;
  /** The event's payload. */
  data: { [key: string]: JsonValue };
}

const MAX_DEPTH = 64;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new LedgerError('invalid_json', `${path}: nested deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new LedgerError('invalid_json', `${path}: non-finite number`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new LedgerError('invalid_json', `${path}: integer beyond 2^53 - 1 (I-JSON)`);
    }
    return;
  }
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value))
      throw new LedgerError('invalid_json', `${path}: string is not valid Unicode`);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new LedgerError('invalid_json', `${path}[${i}]: hole in array`);
      checkJson(value[i], `${path}[${i}]`, depth + 1);
    }
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new LedgerError('invalid_json', `${path}: not a plain object`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new LedgerError('invalid_json', `${path}: symbol keys`);
    }
    for (const key of Object.keys(value)) {
      if (hasLoneSurrogate(key))
        throw new LedgerError('invalid_json', `${path}: key is not valid Unicode`);
      checkJson((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    }
    return;
  }
  throw new LedgerError('invalid_json', `${path}: ${typeof value} is not JSON`);
}

/** RFC 8785 canonical JSON text of an I-JSON value. */
export function canonicalJson(value: unknown): string {
  return guard('invalid_json', () => {
    checkJson(value, '$', 0);
    const text = canonicalize(value);
    if (typeof text !== 'string') throw new LedgerError('invalid_json', 'value has no JSON form');
    return text;
  });
}

/** UTF-8 bytes of the RFC 8785 canonical JSON of an I-JSON value. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value), 'invalid_json');
}

/** Checks the shape of a ledger event: exactly type, v, at and data. */
export function checkEvent(event: unknown): LedgerEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new LedgerError('invalid_json', 'event must be an object');
  }
  const e = event as Record<string, unknown>;
  const keys = Object.keys(e).sort();
  if (keys.join(',') !== 'at,data,type,v') {
    throw new LedgerError(
      'invalid_json',
      'event must have exactly the members type, v, at and data',
    );
  }
  if (typeof e.type !== 'string' || e.type.length === 0)
    throw new LedgerError('invalid_json', 'event.type must be a non-empty string');
  if (typeof e.v !== 'number' || !Number.isSafeInteger(e.v) || e.v < 1) {
    throw new LedgerError('invalid_json', 'event.v must be a positive integer');
  }
  if (typeof e.at !== 'string' || !RFC3339.test(e.at)) {
    throw new LedgerError('invalid_json', 'event.at must be an RFC 3339 date-time');
  }
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) {
    throw new LedgerError('invalid_json', 'event.data must be an object');
  }
  return event as LedgerEvent;
}

/** The Merkle leaf of an event: UTF-8 of its RFC 8785 canonical JSON. */
export function encodeEvent(event: LedgerEvent): Uint8Array {
  return guard('invalid_json', () => canonicalJsonBytes(checkEvent(event)));
}

/** The RFC 9162 leaf hash of an event: SHA-256(0x00 ‖ encodeEvent(event)). */
export function hashEvent(event: LedgerEvent): Uint8Array {
  return hashLeaf(encodeEvent(event));
}
