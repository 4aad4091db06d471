// Canonical event bytes: RFC 8785 JSON Canonicalization Scheme (JCS). The `canonicalize` library
// is the reference (canonicalJsonReference); the fast path below must agree with it, and the
// tests compare the two on generated values (test/jcs.test.ts).
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

/**
 * Thrown by `check` for anything `checkJson` would reject; the caller then runs `checkJson`
 * for the precise error (with its path), so the fast path never builds paths.
 */
const REJECT: unique symbol = Symbol('reject');

/**
 * Makes every check of `checkJson` (the same accept/reject decisions; jcs.test.ts compares
 * them) without building paths, and says whether every object in `value` already has its
 * members in canonical order. Throws REJECT for anything `checkJson` would reject.
 */
function check(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) throw REJECT;
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw REJECT;
      return true;
    case 'number':
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))
        throw REJECT;
      return true;
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      let sorted = true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw REJECT;
          if (!check(value[i], depth + 1)) sorted = false;
        }
        return sorted;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw REJECT;
      if (Object.getOwnPropertySymbols(value).length > 0) throw REJECT;
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (hasLoneSurrogate(key)) throw REJECT;
        // `<` on strings compares UTF-16 code units: RFC 8785 §3.2.3's order.
        if (i > 0 && !(keys[i - 1]! < key)) sorted = false;
        if (!check((value as Record<string, unknown>)[key], depth + 1)) sorted = false;
      }
      return sorted;
    }
    default:
      throw REJECT;
  }
}

/**
 * The canonical text of a value that `check` accepted, for when some object's members are not
 * in canonical order: members sorted by UTF-16 code units (Array.prototype.sort's default
 * order); strings, names and numbers written by JSON.stringify, whose escaping and number
 * formatting (ECMAScript Number::toString, -0 as 0) are the ones RFC 8785 §3.2.2 prescribes.
 */
function write(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ',';
    out += `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/**
 * RFC 8785 canonical text of `value` (found at `path`, `depth` levels down), or the precise
 * LedgerError that `checkJson` gives for what `check` rejected. When every object's members are
 * already in canonical order, as the log's own event builders write them, the canonical text
 * is exactly JSON.stringify's (a checked value holds no toJSON, no lone surrogate, no
 * non-finite number): one native call instead of a walk that builds the string piece by piece.
 */
function canonicalText(value: unknown, path: string, depth: number): string {
  let sorted: boolean;
  try {
    sorted = check(value, depth);
  } catch (e) {
    if (e !== REJECT) throw e;
    checkJson(value, path, depth);
    // checkJson accepts what check rejected: cannot happen (they make the same checks).
    throw new LedgerError('invalid_json', `${path}: value has no canonical JSON form`);
  }
  return sorted ? JSON.stringify(value) : write(value);
}

/**
 * UTF-8 of a string that holds no lone surrogate: the platform's native TextEncoder where there
 * is one (browsers, Node, Deno, Bun, workers; several times faster), else this package's own
 * encoder. It is not in the ES library this package is typed against, so it is looked up.
 */
const textEncoder = (
  globalThis as { TextEncoder?: new () => { encode(input: string): Uint8Array } }
).TextEncoder;
const nativeUtf8 = textEncoder ? new textEncoder() : undefined;
const utf8 = {
  encode: (text: string): Uint8Array =>
    nativeUtf8 ? nativeUtf8.encode(text) : utf8Encode(text, 'invalid_json'),
};

/** RFC 8785 canonical JSON text of an I-JSON value. */
export function canonicalJson(value: unknown): string {
  return guard('invalid_json', () => canonicalText(value, '$', 0));
}

/** UTF-8 bytes of the RFC 8785 canonical JSON of an I-JSON value. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  // The text holds no lone surrogate (check rejects them), so TextEncoder replaces nothing.
  return utf8.encode(canonicalJson(value));
}

/**
 * The reference path, kept for tests: `checkJson`, then the `canonicalize` library. The fast
 * path (`canonicalJson`) must give the same text and reject the same values.
 */
export function canonicalJsonReference(value: unknown): string {
  return guard('invalid_json', () => {
    checkJson(value, '$', 0);
    const text = canonicalize(value);
    if (typeof text !== 'string') throw new LedgerError('invalid_json', 'value has no JSON form');
    return text;
  });
}

/** Checks the shape of a ledger event: exactly type, v, at and data. */
export function checkEvent(event: unknown): LedgerEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new LedgerError('invalid_json', 'event must be an object');
  }
  const e = event as Record<string, unknown>;
  // Exactly these four own members (no sort and join: this runs for every event appended).
  if (
    Object.keys(e).length !== 4 ||
    !Object.hasOwn(e, 'at') ||
    !Object.hasOwn(e, 'data') ||
    !Object.hasOwn(e, 'type') ||
    !Object.hasOwn(e, 'v')
  ) {
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
  return guard('invalid_json', () => {
    const e = checkEvent(event);
    // The members are exactly at, data, type, v (checkEvent), so the outer object is written
    // in their canonical order directly; `at` is ASCII (RFC 3339) and `v` a safe integer.
    const proto = Object.getPrototypeOf(e);
    if (
      (proto !== Object.prototype && proto !== null) ||
      Object.getOwnPropertySymbols(e).length > 0 ||
      hasLoneSurrogate(e.type)
    ) {
      checkJson(e, '$', 0);
    }
    const text = `{"at":${JSON.stringify(e.at)},"data":${canonicalText(e.data, '$.data', 1)},"type":${JSON.stringify(e.type)},"v":${e.v}}`;
    return utf8.encode(text);
  });
}

/** The RFC 9162 leaf hash of an event: SHA-256(0x00 ‖ encodeEvent(event)). */
export function hashEvent(event: LedgerEvent): Uint8Array {
  return hashLeaf(encodeEvent(event));
}
