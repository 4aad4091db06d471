// Cosignatures: C2SP tlog-cosignature v1.0.x, the Ed25519 `cosignature/v1` format (type 0x04).
//
// A witness (cosigner) that has checked a checkpoint is consistent with what it saw before adds a
// note signature line to it:
//
//   key ID    = SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[0:4]
//   signature = uint64 big-endian timestamp (POSIX seconds) ‖ Ed25519 signature (64 bytes)
//   message   = "cosignature/v1\n" ‖ "time " ‖ decimal timestamp ‖ "\n" ‖ checkpoint text
//
// where the checkpoint text includes its extension lines and final newline but no signature lines.
// The cosigner's name is not in the message, so one key must never serve two cosigners.

import { checkObject, checkSize, concatBytes, utf8Encode, writeUint64 } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import { guard, LedgerError } from './errors.js';
import {
  cosignatureTimestamp,
  formatSignatureLine,
  KEY_TYPE_COSIGNATURE_V1,
  parseSignatureLine,
  parseSignerKey,
  parseVerifierKey,
  type Verifier,
} from './note.js';

/** The exact bytes a cosignature/v1 signs. */
export function cosignatureMessage(checkpoint: string, timestamp: number): Uint8Array {
  return concatBytes(
    utf8Encode(`cosignature/v1\ntime ${timestamp}\n`),
    utf8Encode(checkpoint, 'malformed_checkpoint'),
  );
}

/**
 * Cosigns checkpoint text (no signature lines) at `timestamp` (POSIX seconds) and returns the note
 * signature line `— name base64\n` to append to the signed checkpoint. `signerKey` is a
 * `PRIVATE+KEY+name+id+base64(0x04 ‖ seed)` string, as generateSignerKey(name, { type: 0x04 }) makes.
 */
export function cosign(args: { checkpoint: string; signerKey: string; timestamp: number }): string {
  return guard('malformed_cosignature', () => {
    checkObject(args, 'arguments');
    parseCheckpoint(args.checkpoint);
    const timestamp = checkSize(args.timestamp, 'timestamp');
    const signer = parseSignerKey(args.signerKey);
    if (signer.type !== KEY_TYPE_COSIGNATURE_V1) {
      throw new LedgerError('unknown_key_type', 'cosign needs a cosignature/v1 (0x04) signer key');
    }
    const signature = signer.sign(cosignatureMessage(args.checkpoint, timestamp));
    const bytes = new Uint8Array(72);
    writeUint64(bytes, 0, timestamp);
    bytes.set(signature, 8);
    return formatSignatureLine(signer.name, signer.keyId, bytes);
  });
}

/**
 * Verifies one cosignature/v1 signature line (with or without its final newline) over checkpoint
 * text against a witness's verifier key (string or parsed, type 0x04). Returns the cosigner's name,
 * key ID and timestamp; throws LedgerError `unknown_key` when the line is by another key.
 */
export function verifyCosignature(args: {
  checkpoint: string;
  signature: string;
  verifierKey: string | Verifier;
}): { name: string; keyId: number; timestamp: number } {
  return guard('malformed_cosignature', () => {
    checkObject(args, 'arguments');
    parseCheckpoint(args.checkpoint);
    const verifier =
      typeof args.verifierKey === 'string' ? parseVerifierKey(args.verifierKey) : args.verifierKey;
    if (
      typeof verifier !== 'object' ||
      verifier === null ||
      verifier.type !== KEY_TYPE_COSIGNATURE_V1
    ) {
      throw new LedgerError(
        'unknown_key_type',
        'a cosignature needs a cosignature/v1 (0x04) verifier key',
      );
    }
    if (typeof args.signature !== 'string') {
      throw new LedgerError('malformed_cosignature', 'signature must be a signature line');
    }
    const raw = args.signature.endsWith('\n') ? args.signature.slice(0, -1) : args.signature;
    if (raw.includes('\n'))
      throw new LedgerError('malformed_cosignature', 'expected one signature line');
    const line = parseSignatureLine(raw);
    if (line.name !== verifier.name || line.keyId !== verifier.keyId) {
      throw new LedgerError('unknown_key', `signature is by ${line.name}, not by the given key`);
    }
    const timestamp = cosignatureTimestamp(line.signature);
    if (timestamp === null) {
      throw new LedgerError(
        'malformed_cosignature',
        'cosignature/v1 needs 8 + 64 bytes with a timestamp ≤ 2^53 - 1',
      );
    }
    if (!verifier.verify(utf8Encode(args.checkpoint, 'malformed_checkpoint'), line.signature)) {
      throw new LedgerError('invalid_signature', `invalid cosignature by ${line.name}`);
    }
    return { name: line.name, keyId: line.keyId, timestamp };
  });
}
