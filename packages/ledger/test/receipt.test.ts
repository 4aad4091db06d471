import { describe, expect, it } from 'vitest';
import { encodeEvent, hashLeaf, type Receipt, verifyReceipt } from '../src/index.js';
import { makeLog, ORIGIN } from './fixtures.js';

const log = makeLog({ size: 1000, witnesses: 3 });
const policy = {
  logKey: log.logKey.verifierKey,
  witnesses: log.witnessKeys.map((w) => w.verifierKey),
  quorum: 2,
  origin: ORIGIN,
};

describe('receipts', () => {
  it('have exactly the documented JSON shape', () => {
    const receipt = log.receipt(41);
    expect(Object.keys(receipt).sort()).toEqual(
      ['checkpoint', 'event', 'inclusionProof', 'leafIndex', 'treeSize', 'version'].sort(),
    );
    expect(receipt.version).toBe(1);
    expect(receipt.leafIndex).toBe(41);
    expect(receipt.treeSize).toBe(1000);
    expect(receipt.inclusionProof).toHaveLength(10);
    for (const h of receipt.inclusionProof) expect(h).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(receipt.checkpoint.startsWith(`${ORIGIN}\n1000\n`)).toBe(true);
  });

  it('verify end to end for every leaf of a 1000-leaf log, as objects and as JSON text', () => {
    for (let i = 0; i < 1000; i += 37) {
      const receipt = log.receipt(i);
      const verified = verifyReceipt(receipt, policy);
      expect(verified.leafIndex).toBe(i);
      expect(verified.checkpoint.size).toBe(1000);
      expect(verified.leafHash).toEqual(hashLeaf(encodeEvent(log.events[i]!)));
      expect(verified.cosignatures.map((c) => c.name)).toEqual([
        'witness-0.example',
        'witness-1.example',
        'witness-2.example',
      ]);
      expect(verified.cosignatures.every((c) => c.timestamp === 1_795_000_000)).toBe(true);
      expect(verifyReceipt(JSON.stringify(receipt), policy).leafIndex).toBe(i);
    }
  });

  it('the leaf is the UTF-8 of the RFC 8785 canonical event', () => {
    const text = new TextDecoder().decode(encodeEvent(log.events[3]!));
    expect(text).toBe(
      '{"at":"2026-11-26T08:03:00Z","data":{"amount":5003,"currency":"CNY","donor":"c3","note":"捐款 ✓","project":"p-3"},"type":"donation.received","v":1}',
    );
  });

  it('verify with a quorum met by any k of the n witnesses', () => {
    const receipt = log.receipt(7);
    const [w0, w1, w2] = log.witnessKeys.map((w) => w.verifierKey) as [string, string, string];
    const lines = receipt.checkpoint.split('\n');
    // Drop the first witness's cosignature (the line after the log's signature).
    const withoutW0: Receipt = {
      ...receipt,
      checkpoint: `${[...lines.slice(0, 5), ...lines.slice(6)].join('\n')}`,
    };
    expect(
      verifyReceipt(withoutW0, { ...policy, witnesses: [w0, w1, w2], quorum: 2 }).cosignatures,
    ).toHaveLength(2);
    expect(() => verifyReceipt(withoutW0, { ...policy, quorum: 3 })).toThrow(
      expect.objectContaining({ code: 'quorum_not_met' }),
    );
  });

  it('verify with quorum 0 when no witnesses are trusted, ignoring their cosignatures', () => {
    const verified = verifyReceipt(log.receipt(0), {
      logKey: log.logKey.verifierKey,
      witnesses: [],
      quorum: 0,
    });
    expect(verified.cosignatures).toHaveLength(0);
    expect(verified.unverified).toHaveLength(3);
  });
});
