// Signed notes: C2SP signed-note v1.0.0, with the key encodings of Go's golang.org/x/mod/sumdb/note.
//
//   note        = text (ending in "\n") ‖ "\n" ‖ one or more signature lines
//   signature   = "— " ‖ key name ‖ " " ‖ base64(uint32 key ID ‖ signature bytes) ‖ "\n"
//   key ID      = SHA-256(key name ‖ "\n" ‖ type byte ‖ public key)[0:4]          (signed-note §Signatures)
//   verifier key = name "+" 8 hex digits of key ID "+" base64(type byte ‖ public key)
//   signer key  = "PRIVATE+KEY+" name "+" hex key ID "+" base64(type byte ‖ 32-byte seed)  (Go only)
//
// Key types: 0x01 Ed25519 over the note text; 0x04 timestamped Ed25519 cosignature/v1
// (C2SP tlog-cosignature §Format: the signed message is "cosignature/v1\ntime <t>\n" ‖ text and the
// signature bytes are uint64 timestamp ‖ 64-byte Ed25519 signature).
//
// Open follows Go's note.Open: valid UTF-8 without control characters other than "\n"; the text
// ends at the last blank line; at most 100 signature lines; a signature is matched to a trusted key
// by (name, key ID); signatures by unknown keys are returned as unverified; one failing trusted
// signature rejects the note; no verified signature rejects the note. Stricter than Go on purpose:
// two signature lines for the same (name, key ID) reject the note (Go silently skips the second),
// base64 must be canonical, and two trusted keys with the same (name, key ID) are rejected up front.

import { decodeBase64, encodeBase64 } from './base64.js';
import {
  checkObject,
  concatBytes,
  hasLoneSurrogate,
  isBytes,
  readUint32,
  readUint64,
  utf8Decode,
  utf8Encode,
} from './bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, randomBytes, sha256 } from './crypto.js';
import { guard, LedgerError } from './errors.js';

export const KEY_TYPE_ED25519 = 0x01;
export const KEY_TYPE_COSIGNATURE_V1 = 0x04;

/** Go rejects notes with more than this many signature lines. */
export const MAX_SIGNATURES = 100;

/** A trusted public key that can check note signatures (Go's note.Verifier). */
export interface Verifier {
  /** Key name (e.g. the log origin, or a witness name). */
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  /** Signature type byte: 0x01 Ed25519, 0x04 cosignature/v1. */
  readonly type: number;
  /** Raw public key (32 bytes for Ed25519 types). */
  readonly publicKey: Uint8Array;
  /** The verifier key string `name+hexid+base64(type ‖ key)`. */
  readonly verifierKey: string;
  /** Checks `signature` (the bytes after the 4-byte key ID) over the note text bytes. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** A private key that signs notes (0x01) or cosigns checkpoints (0x04). */
export interface Signer {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  /** The matching verifier key string. */
  readonly verifierKey: string;
  /** Raw Ed25519 signature of `message` (64 bytes). */
  sign(message: Uint8Array): Uint8Array;
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  /** uint32 key ID from the first four signature bytes. */
  keyId: number;
  /** The line's base64: key ID ‖ signature bytes. */
  base64: string;
  /** For verified signatures: the type of the key that verified it. */
  type?: number;
  /** For verified cosignature/v1 signatures: the cosigner's POSIX timestamp in seconds. */
  timestamp?: number;
}

export interface OpenedNote {
  /** The signed text, including its final newline. */
  text: string;
  /** Signatures verified by a trusted key, in note order. */
  signatures: NoteSignature[];
  /** Signatures by keys that were not given, in note order (not checked). */
  unverified: NoteSignature[];
}

const SIGNATURE_PREFIX = '\u2014 ';

// Go's unicode.IsSpace: ASCII space and \t\n\v\f\r, U+0085, U+00A0, and categories Zs, Zl, Zp.
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** Go's isValidName: non-empty, valid Unicode, no Unicode space, no "+". */
export function isValidKeyName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !UNICODE_SPACE.test(name) &&
    !name.includes('+') &&
    !hasLoneSurrogate(name)
  );
}

/** C2SP signed-note key ID: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ public key), as a uint32. */
export function computeKeyId(name: string, typeAndKey: Uint8Array): number {
  return readUint32(sha256(concatBytes(utf8Encode(`${name}\n`), typeAndKey)), 0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

function cosignatureMessage(text: Uint8Array, timestamp: number): Uint8Array {
  return concatBytes(utf8Encode(`cosignature/v1\ntime ${timestamp}\n`), text);
}

function makeVerifier(name: string, keyId: number, type: number, publicKey: Uint8Array): Verifier {
  const verifierKey = `${name}+${hex8(keyId)}+${encodeBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
  if (type === KEY_TYPE_ED25519) {
    return Object.freeze({
      name,
      keyId,
      type,
      publicKey,
      verifierKey,
      verify: (text: Uint8Array, signature: Uint8Array) =>
        ed25519Verify(publicKey, text, signature),
    });
  }
  return Object.freeze({
    name,
    keyId,
    type,
    publicKey,
    verifierKey,
    verify: (text: Uint8Array, signature: Uint8Array) => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === null) return false;
      return ed25519Verify(publicKey, cosignatureMessage(text, timestamp), signature.subarray(8));
    },
  });
}

/**
 * The timestamp of cosignature/v1 signature bytes (uint64 timestamp ‖ 64-byte signature), or null
 * if the bytes are not 72 long or the timestamp exceeds 2^53 − 1 (a date millions of years away).
 */
export function cosignatureTimestamp(signature: Uint8Array): number | null {
  if (signature.length !== 72) return null;
  return readUint64(signature, 0);
}

/** Splits a key string on its first `count` "+" (the base64 part may itself contain "+"). */
function splitPlus(s: string, count: number): string[] | null {
  const parts: string[] = [];
  let rest = s;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return null;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

/** The checks shared by verifier and signer key strings: name, hex ID, type ‖ 32 bytes. */
function parseKeyParts(
  name: string,
  id: string,
  b64: string,
  what: 'public key' | 'seed',
): { keyId: number; type: number; material: Uint8Array } {
  if (!isValidKeyName(name)) throw new LedgerError('malformed_key', 'invalid key name');
  if (!HEX8.test(id)) throw new LedgerError('malformed_key', 'key ID must be 8 hex digits');
  let material: Uint8Array;
  try {
    material = decodeBase64(b64);
  } catch (e) {
    throw new LedgerError('malformed_key', 'key material is not canonical base64', { cause: e });
  }
  if (material.length === 0) throw new LedgerError('malformed_key', 'empty key material');
  const type = material[0]!;
  if (type !== KEY_TYPE_ED25519 && type !== KEY_TYPE_COSIGNATURE_V1) {
    throw new LedgerError(
      'unknown_key_type',
      `unsupported key type 0x${type.toString(16).padStart(2, '0')}`,
    );
  }
  if (material.length !== 33)
    throw new LedgerError('malformed_key', `an Ed25519 ${what} is 32 bytes`);
  return { keyId: Number.parseInt(id, 16), type, material };
}

/**
 * Parses a verifier key `name+hexid+base64(type ‖ public key)` (Go sumdb/note NewVerifier, C2SP
 * signed-note). Understands types 0x01 (Ed25519) and 0x04 (cosignature/v1).
 */
export function parseVerifierKey(verifierKey: string): Verifier {
  return guard('malformed_key', () => {
    if (typeof verifierKey !== 'string')
      throw new LedgerError('malformed_key', 'verifier key must be a string');
    const parts = splitPlus(verifierKey, 2);
    if (parts === null)
      throw new LedgerError('malformed_key', 'verifier key must be name+hexid+base64');
    const [name, id, b64] = parts as [string, string, string];
    const { keyId, type, material } = parseKeyParts(name, id, b64, 'public key');
    if (computeKeyId(name, material) !== keyId) {
      throw new LedgerError('key_id_mismatch', `key ID ${id} does not match name and key`);
    }
    return makeVerifier(name, keyId, type, material.slice(1));
  });
}

/** Encodes a verifier key string from its parts. */
export function encodeVerifierKey(args: {
  name: string;
  type?: number;
  publicKey: Uint8Array;
}): string {
  return guard('malformed_key', () => {
    checkObject(args, 'arguments');
    const type = args.type ?? KEY_TYPE_ED25519;
    if (!isValidKeyName(args.name)) throw new LedgerError('malformed_key', 'invalid key name');
    if (type !== KEY_TYPE_ED25519 && type !== KEY_TYPE_COSIGNATURE_V1) {
      throw new LedgerError('unknown_key_type', 'unsupported key type');
    }
    if (!(args.publicKey instanceof Uint8Array) || args.publicKey.length !== 32) {
      throw new LedgerError('malformed_key', 'an Ed25519 public key is 32 bytes');
    }
    const material = concatBytes(Uint8Array.of(type), args.publicKey);
    return `${args.name}+${hex8(computeKeyId(args.name, material))}+${encodeBase64(material)}`;
  });
}

/**
 * Parses a signer key `PRIVATE+KEY+name+hexid+base64(type ‖ 32-byte seed)` (Go sumdb/note
 * NewSigner), checking that the key ID matches the derived public key. Types 0x01 and 0x04.
 */
export function parseSignerKey(signerKey: string): Signer {
  return guard('malformed_key', () => {
    if (typeof signerKey !== 'string')
      throw new LedgerError('malformed_key', 'signer key must be a string');
    const parts = splitPlus(signerKey, 4);
    if (parts === null || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
      throw new LedgerError('malformed_key', 'signer key must be PRIVATE+KEY+name+hexid+base64');
    }
    const [, , name, id, b64] = parts as [string, string, string, string, string];
    const { keyId: claimed, type, material } = parseKeyParts(name, id, b64, 'seed');
    const seed = material.slice(1);
    const publicKey = ed25519PublicKey(seed);
    const keyId = computeKeyId(name, concatBytes(Uint8Array.of(type), publicKey));
    if (keyId !== claimed) {
      throw new LedgerError('key_id_mismatch', `key ID ${id} does not match name and key`);
    }
    return Object.freeze({
      name,
      keyId,
      type,
      publicKey,
      verifierKey: makeVerifier(name, keyId, type, publicKey).verifierKey,
      sign: (message: Uint8Array) => ed25519Sign(seed, message),
    });
  });
}

/**
 * Generates an Ed25519 key pair for `name` in Go's encodings: the signer key is secret, the
 * verifier key is public. `type` 0x04 makes a cosignature/v1 (witness) key instead.
 */
export function generateSignerKey(
  name: string,
  options?: { type?: number },
): { signerKey: string; verifierKey: string } {
  return guard('malformed_key', () => {
    if (!isValidKeyName(name)) throw new LedgerError('malformed_key', 'invalid key name');
    const type = options?.type ?? KEY_TYPE_ED25519;
    if (type !== KEY_TYPE_ED25519 && type !== KEY_TYPE_COSIGNATURE_V1) {
      throw new LedgerError('unknown_key_type', 'unsupported key type');
    }
    const seed = randomBytes(32);
    const publicKey = ed25519PublicKey(seed);
    const tag = Uint8Array.of(type);
    const id = hex8(computeKeyId(name, concatBytes(tag, publicKey)));
    return {
      signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(concatBytes(tag, seed))}`,
      verifierKey: `${name}+${id}+${encodeBase64(concatBytes(tag, publicKey))}`,
    };
  });
}

/** Checks note text: ends in "\n", valid Unicode, no control characters other than "\n". */
function checkNoteText(text: unknown): string {
  if (typeof text !== 'string')
    throw new LedgerError('malformed_note', 'note text must be a string');
  if (!text.endsWith('\n'))
    throw new LedgerError('malformed_note', 'note text must end in a newline');
  checkNoteChars(text);
  return text;
}

function checkNoteChars(s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a)
      throw new LedgerError('malformed_note', 'control character in note');
  }
  if (hasLoneSurrogate(s)) throw new LedgerError('malformed_note', 'note is not valid Unicode');
}

/** Formats one signature line `— name base64(keyID ‖ signature)\n`. */
export function formatSignatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const bytes = new Uint8Array(4 + signature.length);
  bytes[0] = Math.floor(keyId / 0x1000000) % 256;
  bytes[1] = Math.floor(keyId / 0x10000) % 256;
  bytes[2] = Math.floor(keyId / 0x100) % 256;
  bytes[3] = keyId % 256;
  bytes.set(signature, 4);
  return `${SIGNATURE_PREFIX}${name} ${encodeBase64(bytes)}\n`;
}

/**
 * Signs `text` (which must end in "\n") with each Ed25519 (type 0x01) signer key, as Go's note.Sign:
 * returns text ‖ "\n" ‖ one signature line per key. Use `cosign` for cosignature/v1 keys. A key
 * may be given parsed (`parseSignerKey`): a signer that signs often (a log's sequencer, once per
 * batch) then does not derive the public key again for every note.
 */
export function signNote(text: string, signerKeys: (string | Signer)[]): string {
  return guard('malformed_note', () => {
    checkNoteText(text);
    if (!Array.isArray(signerKeys) || signerKeys.length === 0) {
      throw new LedgerError('invalid_argument', 'signerKeys must be a non-empty array');
    }
    const message = utf8Encode(text, 'malformed_note');
    const seen = new Set<string>();
    let lines = '';
    for (const key of signerKeys) {
      const signer = typeof key === 'string' ? parseSignerKey(key) : key;
      if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function') {
        throw new LedgerError(
          'invalid_argument',
          'signerKeys must be signer key strings or parseSignerKey results',
        );
      }
      if (signer.type !== KEY_TYPE_ED25519) {
        throw new LedgerError(
          'unknown_key_type',
          'signNote takes Ed25519 (0x01) keys; use cosign for 0x04',
        );
      }
      const id = `${signer.name}\n${signer.keyId}`;
      if (seen.has(id))
        throw new LedgerError('duplicate_signature', `key ${signer.name} given twice`);
      seen.add(id);
      lines += formatSignatureLine(signer.name, signer.keyId, signer.sign(message));
    }
    return `${text}\n${lines}`;
  });
}

/** A signature line, parsed but not verified. */
export interface SignatureLine {
  name: string;
  keyId: number;
  base64: string;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

/** Parses "— name base64" (without the newline) as Go's note.Open does. */
export function parseSignatureLine(line: string): SignatureLine {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new LedgerError('malformed_note', 'signature line must start with "— "');
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw new LedgerError('malformed_note', 'signature line has no signature');
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isValidKeyName(name))
    throw new LedgerError('malformed_note', 'invalid key name in signature line');
  if (b64 === '') throw new LedgerError('malformed_note', 'empty signature');
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(b64);
  } catch (e) {
    throw new LedgerError('malformed_note', 'signature is not canonical base64', { cause: e });
  }
  if (bytes.length < 5) throw new LedgerError('malformed_note', 'signature shorter than 5 bytes');
  return { name, keyId: readUint32(bytes, 0), base64: b64, signature: bytes.subarray(4) };
}

/**
 * Splits a signed note into its text and signature lines (no verification). Takes the note as a
 * string or as its UTF-8 bytes (invalid UTF-8 is rejected).
 */
export function splitNote(signedNote: string | Uint8Array): {
  text: string;
  lines: SignatureLine[];
} {
  return guard('malformed_note', () => {
    if (isBytes(signedNote)) signedNote = utf8Decode(signedNote, 'malformed_note');
    if (typeof signedNote !== 'string')
      throw new LedgerError('malformed_note', 'note must be a string');
    checkNoteChars(signedNote);
    const split = signedNote.lastIndexOf('\n\n');
    if (split < 0) throw new LedgerError('malformed_note', 'no blank line before the signatures');
    const text = signedNote.slice(0, split + 1);
    const block = signedNote.slice(split + 2);
    if (block.length === 0 || !block.endsWith('\n')) {
      throw new LedgerError(
        'malformed_note',
        'signature block must be non-empty and end in a newline',
      );
    }
    const rawLines = block.slice(0, -1).split('\n');
    if (rawLines.length > MAX_SIGNATURES) {
      throw new LedgerError('malformed_note', `more than ${MAX_SIGNATURES} signatures`);
    }
    return { text, lines: rawLines.map(parseSignatureLine) };
  });
}

function checkVerifiers(verifiers: unknown): Map<string, Verifier> {
  if (!Array.isArray(verifiers))
    throw new LedgerError('invalid_argument', 'verifiers must be an array');
  const known = new Map<string, Verifier>();
  for (const v of verifiers as unknown[]) {
    const ok =
      typeof v === 'object' &&
      v !== null &&
      isValidKeyName((v as Verifier).name) &&
      Number.isInteger((v as Verifier).keyId) &&
      typeof (v as Verifier).verify === 'function';
    if (!ok)
      throw new LedgerError('invalid_argument', 'each verifier must come from parseVerifierKey');
    const verifier = v as Verifier;
    const id = `${verifier.name}\n${verifier.keyId}`;
    if (known.has(id)) {
      throw new LedgerError(
        'ambiguous_key',
        `two verifiers for ${verifier.name}+${hex8(verifier.keyId)}`,
      );
    }
    known.set(id, verifier);
  }
  return known;
}

/**
 * Opens a signed note and verifies its signatures against `verifiers` (C2SP signed-note, Go's
 * note.Open). Returns the text with the verified and the unverified (unknown-key) signatures.
 * Throws LedgerError: `malformed_note`, `invalid_base64`, `duplicate_signature`,
 * `invalid_signature` (a trusted key's signature fails), `no_verifiable_signature`, `ambiguous_key`.
 */
export function openNote(signedNote: string | Uint8Array, verifiers: Verifier[]): OpenedNote {
  return guard('malformed_note', () => {
    const known = checkVerifiers(verifiers);
    const { text, lines } = splitNote(signedNote);
    const message = utf8Encode(text, 'malformed_note');
    const seen = new Set<string>();
    const signatures: NoteSignature[] = [];
    const unverified: NoteSignature[] = [];
    for (const line of lines) {
      const id = `${line.name}\n${line.keyId}`;
      if (seen.has(id)) {
        throw new LedgerError(
          'duplicate_signature',
          `two signatures by ${line.name}+${hex8(line.keyId)}`,
        );
      }
      seen.add(id);
      const verifier = known.get(id);
      if (verifier === undefined) {
        unverified.push({ name: line.name, keyId: line.keyId, base64: line.base64 });
        continue;
      }
      let valid = false;
      try {
        valid = verifier.verify(message, line.signature) === true;
      } catch {
        // A verifier that throws rejects the signature (fail closed).
      }
      if (!valid) {
        throw new LedgerError(
          'invalid_signature',
          `invalid signature for key ${line.name}+${hex8(line.keyId)}`,
        );
      }
      const sig: NoteSignature = {
        name: line.name,
        keyId: line.keyId,
        base64: line.base64,
        type: verifier.type,
      };
      if (verifier.type === KEY_TYPE_COSIGNATURE_V1)
        sig.timestamp = cosignatureTimestamp(line.signature)!;
      signatures.push(sig);
    }
    if (signatures.length === 0)
      throw new LedgerError('no_verifiable_signature', 'note has no verifiable signatures');
    return { text, signatures, unverified };
  });
}
