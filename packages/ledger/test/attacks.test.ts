// Regression tests, one per attack or malformed input, asserting the stable LedgerError code.
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  canonicalJsonBytes,
  cosign,
  decodeBase64,
  decodeEntryBundle,
  encodeBase64,
  formatCheckpoint,
  generateSignerKey,
  hashChildren,
  hashLeaf,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerErrorCode,
  openNote,
  parseCheckpoint,
  parseTilePath,
  parseTrustPolicy,
  parseVerifierKey,
  proveInclusion,
  type Receipt,
  rootHash,
  setCryptoProvider,
  signNote,
  type TrustPolicy,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifyReceipt,
} from '../src/index.js';
import { buildStore, hashAtOf } from './checks.js';
import { donation, makeLog, ORIGIN } from './fixtures.js';

function code(fn: () => unknown): LedgerErrorCode | 'accepted' | 'not a LedgerError' {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return (e as { name?: string }).name === 'LedgerError'
      ? (e as { code: LedgerErrorCode }).code
      : 'not a LedgerError';
  }
}

const leaves = Array.from({ length: 13 }, (_, i) => hashLeaf(Uint8Array.of(i)));
const store = buildStore(leaves);
const root = rootHash(leaves);
const proofOf = (index: number) =>
  proveInclusion({ index, treeSize: 13, hashAt: hashAtOf(store) }) as Uint8Array[];
const inclusion =
  (over: Partial<Parameters<typeof verifyInclusion>[0]> = {}) =>
  () =>
    verifyInclusion({
      leafHash: leaves[5]!,
      index: 5,
      treeSize: 13,
      proof: proofOf(5),
      rootHash: root,
      ...over,
    });

describe('Merkle proof attacks', () => {
  it('a proof one hash too long is rejected', () => {
    expect(code(inclusion({ proof: [...proofOf(5), root] }))).toBe('proof_wrong_length');
    expect(code(inclusion({ proof: [root, ...proofOf(5)] }))).toBe('proof_wrong_length');
  });
  it('a proof one hash too short is rejected', () => {
    expect(code(inclusion({ proof: proofOf(5).slice(0, -1) }))).toBe('proof_wrong_length');
  });
  it('an empty proof for a multi-leaf tree is rejected', () => {
    expect(code(inclusion({ proof: [] }))).toBe('proof_wrong_length');
  });
  it('an index equal to or beyond the tree size is rejected', () => {
    expect(code(inclusion({ index: 13 }))).toBe('index_out_of_range');
    expect(code(inclusion({ index: 2 ** 40 }))).toBe('index_out_of_range');
  });
  it('a tree size of 0 is rejected', () => {
    expect(code(inclusion({ index: 0, treeSize: 0, proof: [] }))).toBe('empty_tree');
    expect(code(() => proveInclusion({ index: 0, treeSize: 0, hashAt: hashAtOf(store) }))).toBe(
      'empty_tree',
    );
  });
  it('a size beyond 2^53 is rejected', () => {
    expect(code(inclusion({ treeSize: 2 ** 53 }))).toBe('size_out_of_range');
    expect(code(inclusion({ index: 2 ** 53 + 2, treeSize: 2 ** 60 }))).toBe('size_out_of_range');
    expect(
      code(() =>
        verifyConsistency({
          oldSize: 1,
          newSize: 2 ** 64,
          proof: [],
          oldRoot: root,
          newRoot: root,
        }),
      ),
    ).toBe('size_out_of_range');
    const bytes = new CompactRange().toBytes();
    bytes.set([0, 0x20, 0, 0, 0, 0, 0, 0], 1); // size 2^53
    expect(code(() => CompactRange.fromBytes(bytes))).toBe('size_out_of_range');
    expect(code(() => parseCheckpoint(`o\n9007199254740992\n${encodeBase64(root)}\n`))).toBe(
      'size_out_of_range',
    );
  });
  it('a negative, fractional, NaN, string or bigint size is rejected', () => {
    for (const treeSize of [-1, 1.5, Number.NaN, '13', 13n, null]) {
      expect(code(inclusion({ treeSize: treeSize as number }))).toBe('size_out_of_range');
    }
  });
  it('a leaf hash of 31 or 33 bytes is rejected', () => {
    expect(code(inclusion({ leafHash: leaves[5]!.subarray(1) }))).toBe('invalid_hash');
    expect(code(inclusion({ leafHash: new Uint8Array(33) }))).toBe('invalid_hash');
    expect(
      code(inclusion({ proof: proofOf(5).map((h, i) => (i === 1 ? h.subarray(0, 31) : h)) })),
    ).toBe('invalid_hash');
  });
  it('an interior node passed off as a leaf (second preimage) is rejected', () => {
    // Leaves 4 and 5 hash to the node n = H(0x01 ‖ l4 ‖ l5). Claiming a leaf whose data is l4 ‖ l5
    // at position 2 of the 7-leaf level-1 tree fails: the leaf hash gets a 0x00 prefix instead.
    const fake = hashLeaf(new Uint8Array([...leaves[4]!, ...leaves[5]!]));
    expect(fake).not.toEqual(hashChildren(leaves[4]!, leaves[5]!));
    expect(code(inclusion({ leafHash: fake, index: 4, proof: proofOf(4).slice(1) }))).not.toBe(
      'accepted',
    );
  });
  it('an index beyond 2^32 is not truncated to 32 bits', () => {
    // A 2^33 + 5 leaf tree, checked with an independent BigInt implementation of the RFC 9162 loop.
    const treeSize = 2 ** 33 + 5;
    const index = 2 ** 32 + 3;
    const proof = Array.from({ length: 34 }, (_, i) => hashLeaf(Uint8Array.of(100 + i)));
    let fn = BigInt(index);
    let sn = BigInt(treeSize - 1);
    let r = leaves[0]!;
    let used = 0;
    for (const p of proof) {
      if (sn === 0n) break;
      used++;
      if (fn % 2n === 1n || fn === sn) {
        r = hashChildren(p, r);
        while (fn % 2n === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else r = hashChildren(r, p);
      fn >>= 1n;
      sn >>= 1n;
    }
    const args = {
      leafHash: leaves[0]!,
      index,
      treeSize,
      proof: proof.slice(0, used),
      rootHash: r,
    };
    verifyInclusion(args);
    expect(code(() => verifyInclusion({ ...args, index: index % 2 ** 32 }))).not.toBe('accepted');
  });
  it('a consistency proof from an empty tree or to a smaller tree is rejected', () => {
    expect(
      code(() =>
        verifyConsistency({ oldSize: 0, newSize: 5, proof: [], oldRoot: root, newRoot: root }),
      ),
    ).toBe('empty_tree');
    expect(
      code(() =>
        verifyConsistency({ oldSize: 6, newSize: 5, proof: [], oldRoot: root, newRoot: root }),
      ),
    ).toBe('invalid_size');
  });
  it('a hash store that returns a short hash or throws is reported as hash_store', async () => {
    expect(
      code(() => proveInclusion({ index: 0, treeSize: 4, hashAt: () => new Uint8Array(31) })),
    ).toBe('hash_store');
    expect(
      code(() =>
        proveInclusion({
          index: 0,
          treeSize: 4,
          hashAt: () => {
            throw new Error('disk on fire');
          },
        }),
      ),
    ).toBe('hash_store');
    await expect(
      proveInclusion({
        index: 0,
        treeSize: 4,
        hashAt: async () => Promise.reject(new Error('timeout')),
      }),
    ).rejects.toMatchObject({ code: 'hash_store' });
  });
  it('arguments with throwing getters yield a LedgerError, not the getter error', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new TypeError('boom');
        },
      },
    );
    expect(code(() => verifyInclusion(hostile as never))).toBe('invalid_argument');
    expect(code(() => verifyConsistency(hostile as never))).toBe('invalid_argument');
    expect(code(() => verifyReceipt(hostile, { logKey: 'x', witnesses: [], quorum: 0 }))).not.toBe(
      'not a LedgerError',
    );
  });
});

const peter = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const peterSigner =
  'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const text = 'hello\n';

describe('signed note attacks', () => {
  const signed = signNote(text, [peterSigner]);
  const line = signed.slice(text.length + 1);

  it('a note with a duplicate signature is rejected', () => {
    expect(code(() => openNote(signed + line, [parseVerifierKey(peter)]))).toBe(
      'duplicate_signature',
    );
    const other = generateSignerKey('other');
    const unknownTwice = signNote(text, [other.signerKey]);
    const otherLine = unknownTwice.slice(text.length + 1);
    expect(code(() => openNote(signed + otherLine + otherLine, [parseVerifierKey(peter)]))).toBe(
      'duplicate_signature',
    );
    expect(code(() => signNote(text, [peterSigner, peterSigner]))).toBe('duplicate_signature');
  });
  it('a note whose signature uses non-canonical base64 is rejected', () => {
    // The last symbol before "=" carries 2 unused bits; setting one keeps the bytes, changes the text.
    const b64 = line.slice(line.lastIndexOf(' ') + 1, -1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const at = b64.length - 2;
    const twisted = b64.slice(0, at) + alphabet[alphabet.indexOf(b64[at]!) + 1] + b64.slice(at + 1);
    expect(code(() => decodeBase64(twisted))).toBe('invalid_base64');
    expect(code(() => openNote(signed.replace(b64, twisted), [parseVerifierKey(peter)]))).toBe(
      'malformed_note',
    );
  });
  it('a note signed only by unknown keys is rejected', () => {
    expect(
      code(() =>
        openNote(signed, [parseVerifierKey(generateSignerKey('PeterNeumann').verifierKey)]),
      ),
    ).toBe('no_verifiable_signature');
  });
  it('a note whose text was changed after signing is rejected', () => {
    expect(code(() => openNote(`hellO\n\n${line}`, [parseVerifierKey(peter)]))).toBe(
      'invalid_signature',
    );
  });
  it('a verifier key whose key ID does not match its name and key is rejected', () => {
    expect(code(() => parseVerifierKey(peter.replace('c74f20a3', 'c74f20a4')))).toBe(
      'key_id_mismatch',
    );
    expect(code(() => parseVerifierKey(peter.replace('PeterNeumann', 'PeterNewman')))).toBe(
      'key_id_mismatch',
    );
  });
  it('a verifier key with a bad name, short ID or unknown type is rejected', () => {
    expect(code(() => parseVerifierKey(`Peter Neumann${peter.slice(12)}`))).toBe('malformed_key');
    expect(code(() => parseVerifierKey('PeterNeumann+c74f20a+ARpc'))).toBe('malformed_key');
    expect(
      code(() =>
        parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      ),
    ).toBe('unknown_key_type');
  });
  it('two trusted keys with the same name and key ID are ambiguous', () => {
    expect(code(() => openNote(signed, [parseVerifierKey(peter), parseVerifierKey(peter)]))).toBe(
      'ambiguous_key',
    );
  });
  it('more than 100 signature lines are rejected before any is verified', () => {
    const keys = Array.from({ length: 101 }, (_, i) => `\u2014 k${i} AAAAAAA=\n`).join('');
    expect(code(() => openNote(`${text}\n${keys}`, [parseVerifierKey(peter)]))).toBe(
      'malformed_note',
    );
  });
  it('a crypto provider that throws makes verification fail closed', () => {
    const previous = setCryptoProvider({
      ed25519Verify: () => {
        throw new Error('HSM unavailable');
      },
    });
    try {
      expect(code(() => openNote(signed, [parseVerifierKey(peter)]))).toBe('invalid_signature');
    } finally {
      setCryptoProvider(previous);
    }
  });
  it('a crypto provider that returns a short hash is reported as crypto_provider', () => {
    const previous = setCryptoProvider({ sha256: () => new Uint8Array(20) });
    try {
      expect(code(() => hashLeaf(new Uint8Array(1)))).toBe('crypto_provider');
    } finally {
      setCryptoProvider(previous);
    }
  });
});

describe('checkpoint and cosignature attacks', () => {
  const rootB64 = encodeBase64(root);
  it('a checkpoint size with a leading zero, a sign or spaces is rejected', () => {
    for (const size of ['013', '+13', ' 13', '13 ', '1e3', '']) {
      expect(code(() => parseCheckpoint(`o\n${size}\n${rootB64}\n`))).toBe('malformed_checkpoint');
    }
  });
  it('a checkpoint with an empty extension line, no final newline or a short root is rejected', () => {
    expect(code(() => parseCheckpoint(`o\n13\n${rootB64}\n\n`))).toBe('malformed_checkpoint');
    expect(code(() => parseCheckpoint(`o\n13\n${rootB64}`))).toBe('malformed_checkpoint');
    expect(code(() => parseCheckpoint(`o\n13\n${encodeBase64(root.subarray(1))}\n`))).toBe(
      'malformed_checkpoint',
    );
    expect(code(() => parseCheckpoint(`\n13\n${rootB64}\n`))).toBe('malformed_checkpoint');
  });
  it('checkpoint extension lines round-trip', () => {
    const cp = formatCheckpoint({
      origin: 'o',
      size: 13,
      rootHash: root,
      extensions: ['a b', 'c'],
    });
    expect(parseCheckpoint(cp)).toEqual({
      origin: 'o',
      size: 13,
      rootHash: root,
      extensions: ['a b', 'c'],
    });
  });

  const witness = generateSignerKey('w.example', { type: KEY_TYPE_COSIGNATURE_V1 });
  const checkpoint = formatCheckpoint({ origin: ORIGIN, size: 13, rootHash: root });
  const cosig = cosign({ checkpoint, signerKey: witness.signerKey, timestamp: 1_800_000_000 });

  it('a cosignature over a different checkpoint is rejected', () => {
    const other = formatCheckpoint({ origin: ORIGIN, size: 14, rootHash: root });
    expect(
      code(() =>
        verifyCosignature({
          checkpoint: other,
          signature: cosig,
          verifierKey: witness.verifierKey,
        }),
      ),
    ).toBe('invalid_signature');
  });
  it('a cosignature replayed under another witness name is rejected', () => {
    const renamed = cosig.replace('w.example', 'w2.example');
    expect(
      code(() =>
        verifyCosignature({ checkpoint, signature: renamed, verifierKey: witness.verifierKey }),
      ),
    ).toBe('unknown_key');
  });
  it('a cosignature with its timestamp changed is rejected', () => {
    const bytes = decodeBase64(cosig.slice(cosig.indexOf(' ', 2) + 1, -1));
    bytes[11] = bytes[11]! ^ 1;
    const changed = `\u2014 w.example ${encodeBase64(bytes)}\n`;
    expect(
      code(() =>
        verifyCosignature({ checkpoint, signature: changed, verifierKey: witness.verifierKey }),
      ),
    ).toBe('invalid_signature');
    bytes[4] = 0xff; // timestamp ≥ 2^56: beyond 2^53
    const huge = `\u2014 w.example ${encodeBase64(bytes)}\n`;
    expect(
      code(() =>
        verifyCosignature({ checkpoint, signature: huge, verifierKey: witness.verifierKey }),
      ),
    ).toBe('malformed_cosignature');
  });
  it('a log Ed25519 key cannot be used as a cosigner key, nor a cosigner key to sign notes', () => {
    const logKey = generateSignerKey('log');
    expect(code(() => cosign({ checkpoint, signerKey: logKey.signerKey, timestamp: 1 }))).toBe(
      'unknown_key_type',
    );
    expect(code(() => signNote(checkpoint, [witness.signerKey]))).toBe('unknown_key_type');
  });
});

describe('receipt attacks', () => {
  const log = makeLog({ size: 50, witnesses: 2 });
  const policy: TrustPolicy = {
    logKey: log.logKey.verifierKey,
    witnesses: log.witnessKeys.map((w) => w.verifierKey),
    quorum: 2,
    origin: ORIGIN,
  };
  const receipt = log.receipt(20);
  const check = (r: unknown, p = policy) => code(() => verifyReceipt(r, p));

  it('an honest receipt verifies', () => expect(check(receipt)).toBe('accepted'));
  it('a receipt for a tampered event is rejected', () => {
    const tampered = {
      ...receipt,
      event: { ...receipt.event, data: { ...receipt.event.data, amount: 1 } },
    };
    expect(check(tampered)).toBe('root_mismatch');
    expect(check({ ...receipt, event: donation(21) })).toBe('root_mismatch');
  });
  it('a receipt moved to another index is rejected', () => {
    expect(check({ ...receipt, leafIndex: 21 })).toBe('root_mismatch');
  });
  it("a receipt whose treeSize differs from the checkpoint's is rejected", () => {
    // Leaf 0 has the same audit path shape in trees of 50 and 51 leaves: only the signed size tells.
    const r0 = log.receipt(0);
    expect(check({ ...r0, treeSize: 51 })).toBe('tree_size_mismatch');
  });
  it('a receipt whose checkpoint is not signed by the log is rejected', () => {
    const impostor = generateSignerKey(ORIGIN);
    const forged = signNote(log.checkpointText, [impostor.signerKey]);
    expect(check({ ...receipt, checkpoint: forged })).toBe('log_signature_missing');
  });
  it('a receipt without enough witness cosignatures is rejected', () => {
    const logOnly = signNote(log.checkpointText, [log.logKey.signerKey]);
    expect(check({ ...receipt, checkpoint: logOnly })).toBe('quorum_not_met');
  });
  it('a witness listed twice, or under two names, or the log posing as a witness, counts as ambiguous', () => {
    const w = log.witnessKeys[0]!.verifierKey;
    expect(check(receipt, { ...policy, witnesses: [w, w] })).toBe('ambiguous_key');
    const v = parseVerifierKey(w);
    const alias = generateSignerKey('alias').verifierKey;
    const sameKey = { ...parseVerifierKey(alias), publicKey: v.publicKey };
    expect(check(receipt, { ...policy, witnesses: [w, sameKey] })).toBe('ambiguous_key');
    expect(check(receipt, { ...policy, witnesses: [log.logKey.verifierKey], quorum: 1 })).toBe(
      'ambiguous_key',
    );
  });
  it('parseTrustPolicy refuses the same policies before any checkpoint is opened', () => {
    const w = log.witnessKeys[0]!.verifierKey;
    expect(code(() => parseTrustPolicy({ ...policy, witnesses: [w, w] }))).toBe('ambiguous_key');
    expect(
      code(() => parseTrustPolicy({ ...policy, witnesses: [log.logKey.verifierKey], quorum: 1 })),
    ).toBe('ambiguous_key');
    expect(code(() => parseTrustPolicy({ ...policy, quorum: policy.witnesses.length + 1 }))).toBe(
      'invalid_argument',
    );
    expect(code(() => parseTrustPolicy({ ...policy, logKey: 'not a key' }))).toBe('malformed_key');
    const parsed = parseTrustPolicy(policy);
    expect(parsed.logKey.verifierKey).toBe(log.logKey.verifierKey);
    // Parsed keys are a policy too: verifying with them gives the same answer.
    expect(check(receipt, parsed)).toBe('accepted');
  });
  it('a checkpoint from another origin is rejected', () => {
    expect(check(receipt, { ...policy, origin: 'other.example/log' })).toBe('origin_mismatch');
  });
  it('a receipt with extra members, a wrong version or a non-canonical proof hash is rejected', () => {
    expect(check({ ...receipt, extra: 1 })).toBe('malformed_receipt');
    expect(check({ ...receipt, version: 2 })).toBe('malformed_receipt');
    const proof = [...receipt.inclusionProof];
    proof[0] = `${proof[0]!.slice(0, 42)}${proof[0]![42] === 'A' ? 'B' : 'A'}=`;
    expect(check({ ...receipt, inclusionProof: proof } satisfies Receipt)).not.toBe('accepted');
    expect(check('{not json')).toBe('malformed_receipt');
    expect(
      check({ ...receipt, inclusionProof: [...receipt.inclusionProof, receipt.inclusionProof[0]] }),
    ).toBe('proof_wrong_length');
  });
});

describe('canonical JSON and tile attacks', () => {
  it('an event amount beyond 2^53 is rejected (it could not be read back exactly)', () => {
    expect(code(() => canonicalJsonBytes({ amount: 2 ** 53 }))).toBe('invalid_json');
  });
  it('a string with a lone surrogate, NaN, undefined, a Date or an array hole is rejected', () => {
    const holey: unknown[] = new Array(3);
    holey[0] = 1;
    for (const bad of [
      { s: '\ud800' },
      { n: Number.NaN },
      { u: undefined },
      { d: new Date(0) },
      holey,
    ]) {
      expect(code(() => canonicalJsonBytes(bad))).toBe('invalid_json');
    }
  });
  it('RFC 8785 orders members by UTF-16 code units and formats numbers as ECMAScript does', () => {
    const text = new TextDecoder().decode(
      canonicalJsonBytes({
        '€': 1,
        '\u0080': 2,
        a: [Number('333333333.33333329'), 0.1, -0, 1e-7, 0.002],
      }),
    );
    expect(text).toBe('{"a":[333333333.3333333,0.1,0,1e-7,0.002],"\u0080":2,"€":1}');
  });
  it('a tile path with a non-canonical index is rejected', () => {
    expect(code(() => parseTilePath('tile/0/x000/001'))).toBe('malformed_tile');
    expect(code(() => parseTilePath('tile/00/001'))).toBe('malformed_tile');
    expect(code(() => parseTilePath('tile/0/001.p/007'))).toBe('malformed_tile');
  });
  it('an entry bundle with a truncated entry is rejected', () => {
    expect(code(() => decodeEntryBundle(Uint8Array.of(0, 5, 1, 2)))).toBe('malformed_tile');
    expect(code(() => decodeEntryBundle(Uint8Array.of(0)))).toBe('malformed_tile');
  });
  it('a checkpoint signed note can be verified standalone under the same policy', () => {
    const log = makeLog({ size: 3, witnesses: 1 });
    const v = verifyCheckpoint(log.signedCheckpoint, {
      logKey: log.logKey.verifierKey,
      witnesses: [log.witnessKeys[0]!.verifierKey],
      quorum: 1,
    });
    expect(v.checkpoint.size).toBe(3);
  });
});
