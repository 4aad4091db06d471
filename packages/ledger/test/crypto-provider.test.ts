import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getCryptoProvider,
  hashLeaf,
  nobleProvider,
  openNote,
  parseVerifierKey,
  setCryptoProvider,
  signNote,
} from '../src/index.js';

afterEach(() => {
  setCryptoProvider(nobleProvider);
});

describe('the crypto seam', () => {
  const node = nodeCryptoProvider();

  it('the node:crypto provider agrees with noble on SHA-256, keys and signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (data, seed) => {
          expect(Array.from(node.sha256(data))).toEqual(Array.from(nobleProvider.sha256(data)));
          const pub = node.ed25519PublicKey(seed);
          expect(Array.from(pub)).toEqual(Array.from(nobleProvider.ed25519PublicKey(seed)));
          const sig = node.ed25519Sign(seed, data);
          expect(Array.from(sig)).toEqual(Array.from(nobleProvider.ed25519Sign(seed, data)));
          expect(node.ed25519Verify(pub, data, sig)).toBe(true);
          expect(nobleProvider.ed25519Verify(pub, data, sig)).toBe(true);
          const bad = sig.slice();
          bad[0] = bad[0]! ^ 1;
          expect(node.ed25519Verify(pub, data, bad)).toBe(false);
          expect(nobleProvider.ed25519Verify(pub, data, bad)).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('both providers reject a signature whose S is not reduced (RFC 8032 strict, not ZIP-215)', () => {
    const seed = new Uint8Array(32).fill(7);
    const msg = new Uint8Array([1, 2, 3]);
    const pub = nobleProvider.ed25519PublicKey(seed);
    const sig = nobleProvider.ed25519Sign(seed, msg);
    // S + L (the group order) encodes the same scalar non-canonically.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = s * 256n + BigInt(sig[32 + i]!);
    s += L;
    const malleable = sig.slice();
    for (let i = 0; i < 32; i++) {
      malleable[32 + i] = Number(s % 256n);
      s /= 256n;
    }
    expect(nobleProvider.ed25519Verify(pub, msg, malleable)).toBe(false);
    expect(node.ed25519Verify(pub, msg, malleable)).toBe(false);
  });

  it('malformed keys and signatures make verify return false, never throw', () => {
    for (const p of [node, nobleProvider]) {
      expect(p.ed25519Verify(new Uint8Array(31), new Uint8Array(1), new Uint8Array(64))).toBe(
        false,
      );
      expect(
        p.ed25519Verify(new Uint8Array(32).fill(255), new Uint8Array(1), new Uint8Array(64)),
      ).toBe(false);
      expect(p.ed25519Verify(new Uint8Array(32), new Uint8Array(1), new Uint8Array(63))).toBe(
        false,
      );
    }
  });

  it('setCryptoProvider installs a provider, fills gaps from noble, and returns the previous one', () => {
    const calls: number[] = [];
    const previous = setCryptoProvider({
      sha256: (d) => {
        calls.push(d.length);
        return nobleProvider.sha256(d);
      },
    });
    expect(previous.sha256).toBe(nobleProvider.sha256);
    hashLeaf(new Uint8Array(3));
    expect(calls).toEqual([4]);
    expect(getCryptoProvider().ed25519Verify).toBe(nobleProvider.ed25519Verify);
  });

  it('setCryptoProvider rejects non-functions', () => {
    expect(() => setCryptoProvider({ sha256: 'fast' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('notes signed under one provider open under the other', () => {
    const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
    const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
    setCryptoProvider(node);
    const signed = signNote('x\n', [skey]);
    setCryptoProvider(nobleProvider);
    expect(openNote(signed, [parseVerifierKey(vkey)]).signatures).toHaveLength(1);
  });
});
