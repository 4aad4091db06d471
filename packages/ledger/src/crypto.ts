// The crypto seam: SHA-256 (FIPS 180-4) and Ed25519 (RFC 8032 §5.1) behind one small interface.
//
// Every hash and signature in this package goes through the provider installed here. The default
// is built on @noble/hashes and @noble/curves, which run on every JS runtime. A server can install
// a faster provider (node:crypto's native SHA-256 and Ed25519 KeyObjects) at start, without this
// package ever importing a Node built-in; see the package README for a ready-made Node provider.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { LedgerError } from './errors.js';

export interface CryptoProvider {
  /** SHA-256 of `data`: 32 bytes. Must not keep a reference to `data` (callers reuse buffers). */
  sha256(data: Uint8Array): Uint8Array;
  /** The 32-byte Ed25519 public key of a 32-byte RFC 8032 private key (the "seed"). */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /** A 64-byte RFC 8032 Ed25519 signature of `message` by the key with this 32-byte seed. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Whether `signature` is a valid RFC 8032 Ed25519 signature of `message` by `publicKey` (32
   * bytes). Must return false, not throw, for malformed keys or signatures. Use strict RFC 8032
   * rules (canonical S, as Go's crypto/ed25519 and OpenSSL do), not ZIP-215.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** `length` cryptographically secure random bytes (used only to generate keys). */
  randomBytes(length: number): Uint8Array;
}

/** The default provider: pure JavaScript, isomorphic (@noble/hashes, @noble/curves). */
export const nobleProvider: CryptoProvider = Object.freeze({
  sha256: (data: Uint8Array) => nobleSha256(data),
  ed25519PublicKey: (seed: Uint8Array) => ed25519.getPublicKey(seed),
  ed25519Sign: (seed: Uint8Array, message: Uint8Array) => ed25519.sign(message, seed),
  ed25519Verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  randomBytes: (length: number) => nobleRandomBytes(length),
});

const FUNCTIONS = [
  'sha256',
  'ed25519PublicKey',
  'ed25519Sign',
  'ed25519Verify',
  'randomBytes',
] as const;

let current: CryptoProvider = nobleProvider;

/**
 * Installs a crypto provider for the whole package and returns the previous one. Functions left
 * out fall back to `nobleProvider`, so a server may replace only `sha256`, say.
 */
export function setCryptoProvider(provider: Partial<CryptoProvider>): CryptoProvider {
  if (typeof provider !== 'object' || provider === null) {
    throw new LedgerError('invalid_argument', 'provider must be an object');
  }
  const next = { ...nobleProvider } as CryptoProvider;
  for (const name of FUNCTIONS) {
    const fn = provider[name];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') {
      throw new LedgerError('invalid_argument', `provider.${name} must be a function`);
    }
    (next as unknown as Record<string, unknown>)[name] = fn;
  }
  const previous = current;
  current = Object.freeze(next);
  return previous;
}

/** The provider in use. */
export function getCryptoProvider(): CryptoProvider {
  return current;
}

/** SHA-256 through the installed provider. */
export function sha256(data: Uint8Array): Uint8Array {
  const digest = current.sha256(data);
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new LedgerError('crypto_provider', 'sha256 must return 32 bytes');
  }
  return digest;
}

export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const key = current.ed25519PublicKey(seed);
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new LedgerError('crypto_provider', 'ed25519PublicKey must return 32 bytes');
  }
  return key;
}

export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const signature = current.ed25519Sign(seed, message);
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new LedgerError('crypto_provider', 'ed25519Sign must return 64 bytes');
  }
  return signature;
}

/** Fails closed: a provider that throws is treated as rejecting the signature. */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return current.ed25519Verify(publicKey, message, signature) === true;
  } catch {
    return false;
  }
}

export function randomBytes(length: number): Uint8Array {
  const bytes = current.randomBytes(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new LedgerError('crypto_provider', `randomBytes must return ${length} bytes`);
  }
  return bytes;
}
