// A node:crypto provider for @goodtrace/ledger: native SHA-256 and Ed25519 (OpenSSL) on Node ≥ 20.12.
//
// The ledger package itself imports no Node built-in (it must run in browsers), so a Node server
// installs this at start:
//
//   import { setCryptoProvider } from '@goodtrace/ledger';
//   import { nodeCryptoProvider } from '@goodtrace/ledger-node';
//   setCryptoProvider(nodeCryptoProvider());
//
// Measured on the 2-core bench machine: one-shot crypto.hash() is ~1.6× faster than
// createHash().update().digest() for a 65-byte node, and Ed25519 KeyObjects verify ~10× faster
// than @noble/curves. KeyObjects are cached per key so each verify is a single OpenSSL call.

import * as crypto from 'node:crypto';
import type { CryptoProvider } from '@goodtrace/ledger';

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI (public) or PKCS#8 (private) (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Caches KeyObjects by array identity (a Verifier keeps its key array) and by value. */
function keyCache(
  make: (raw: Uint8Array) => crypto.KeyObject,
): (raw: Uint8Array) => crypto.KeyObject {
  const byIdentity = new WeakMap<Uint8Array, crypto.KeyObject>();
  const byValue = new Map<string, crypto.KeyObject>();
  return (raw) => {
    let key = byIdentity.get(raw);
    if (key !== undefined) return key;
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    key = byValue.get(id);
    if (key === undefined) {
      key = make(raw);
      if (byValue.size >= 4096) byValue.clear();
      byValue.set(id, key);
    }
    byIdentity.set(raw, key);
    return key;
  };
}

export function nodeCryptoProvider(): CryptoProvider {
  const publicKey = keyCache((raw) =>
    crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
  );
  const privateKey = keyCache((seed) =>
    crypto.createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    }),
  );
  const oneShot = typeof crypto.hash === 'function';
  return {
    sha256: oneShot
      ? (data) => crypto.hash('sha256', data, 'buffer')
      : (data) => crypto.createHash('sha256').update(data).digest(),
    ed25519PublicKey: (seed) => {
      const spki = crypto.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
      return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    },
    ed25519Sign: (seed, message) => new Uint8Array(crypto.sign(null, message, privateKey(seed))),
    ed25519Verify: (key, message, signature) => {
      if (key.length !== 32 || signature.length !== 64) return false;
      try {
        return crypto.verify(null, message, publicKey(key), signature);
      } catch {
        return false;
      }
    },
    randomBytes: (length) => new Uint8Array(crypto.randomBytes(length)),
  };
}
