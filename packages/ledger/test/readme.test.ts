// The README's worked example is checked here, from the README itself, so it cannot go stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  computeKeyId,
  cosign,
  encodeBase64,
  encodeEvent,
  formatCheckpoint,
  getCryptoProvider,
  hashLeaf,
  type Receipt,
  signNote,
  tilePath,
  verifyReceipt,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const receipt = JSON.parse(
  readme.split('<!-- receipt-example -->\n```json\n')[1]!.split('\n```')[0]!,
) as Receipt;
const logKey = /logKey: '([^']+)'/.exec(readme)![1]!;
const witnessKey = /witnesses: \['([^']+)'\]/.exec(readme)![1]!;

/** The README's example keys: fixed seeds 1…32 (log, type 0x01) and 101…132 (witness, type 0x04). */
function exampleKey(name: string, type: number, first: number) {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => first + i);
  const pub = getCryptoProvider().ed25519PublicKey(seed);
  const id = computeKeyId(name, Uint8Array.of(type, ...pub))
    .toString(16)
    .padStart(8, '0');
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${encodeBase64(Uint8Array.of(type, ...seed))}`,
    verifierKey: `${name}+${id}+${encodeBase64(Uint8Array.of(type, ...pub))}`,
  };
}

describe('the README worked example', () => {
  it('its receipt verifies with its keys', () => {
    const verified = verifyReceipt(receipt, {
      logKey,
      witnesses: [witnessKey],
      quorum: 1,
      origin: 'goodtrace.example/log',
    });
    expect(verified.cosignatures[0]!.timestamp).toBe(1_795_000_000);
    expect(Buffer.from(verified.leafHash).toString('hex')).toBe(
      /h1 = ([0-9a-f]{64})/.exec(readme)![1],
    );
    expect(readme).toContain(new TextDecoder().decode(encodeEvent(receipt.event)));
  });

  it('its keys, signature and cosignature are reproduced from the example seeds', () => {
    const log = exampleKey('goodtrace.example/log', 1, 1);
    const witness = exampleKey('witness.example/w1', 4, 101);
    expect(log.verifierKey).toBe(logKey);
    expect(witness.verifierKey).toBe(witnessKey);
    const root = /base64 (\S+=)\)/.exec(readme)![1]!;
    const text = formatCheckpoint({
      origin: 'goodtrace.example/log',
      size: 3,
      rootHash: Uint8Array.from(Buffer.from(root, 'base64')),
    });
    const cosignature = cosign({
      checkpoint: text,
      signerKey: witness.signerKey,
      timestamp: 1_795_000_000,
    });
    expect(signNote(text, [log.signerKey]) + cosignature).toBe(receipt.checkpoint);
  });

  it('its leaf hashes and tile paths are right', () => {
    const leaves = [...readme.matchAll(/^\d (\{"at".*\})$/gm)].map((m) => m[1]!);
    const hashes = [...readme.matchAll(/^h\d = ([0-9a-f]{64})$/gm)].map((m) => m[1]!);
    expect(leaves).toHaveLength(3);
    expect(
      leaves.map((l) => Buffer.from(hashLeaf(new TextEncoder().encode(l))).toString('hex')),
    ).toEqual(hashes);
    expect(tilePath({ level: 0, index: 1234067, width: 8 })).toBe('tile/0/x001/x234/067.p/8');
    expect(readme).toContain(
      'tilePath({ level: 0, index: 1234067, width: 8 })  →  tile/0/x001/x234/067.p/8',
    );
  });
});
