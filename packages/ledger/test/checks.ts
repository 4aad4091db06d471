// Known-answer vector checks and property checks shared by the Node suite (vitest) and the browser
// suite (bundled with esbuild and run in Chromium). Isomorphic: no Node built-ins here either; the
// vectors are read from test/vectors by the caller and passed in, parsed.

import fc from 'fast-check';
import {
  CompactRange,
  canonicalJsonBytes,
  cosign,
  cosignatureMessage,
  decodeBase64,
  decodeEntryBundle,
  decodeTile,
  encodeBase64,
  encodeEntryBundle,
  encodeTile,
  encodeTileIndex,
  entryBundleForIndex,
  formatCheckpoint,
  hashAtFromTiles,
  hashChildren,
  hashLeaf,
  isLedgerError,
  type LedgerErrorCode,
  type NodeId,
  newTiles,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseTilePath,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  rootHash,
  signNote,
  type Tile,
  tilePath,
  tilesForSize,
  verifyCheckpoint,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifyReceipt,
} from '../src/index.js';
import { cosignatureTimestamp, parseSignatureLine } from '../src/note.js';

// biome-ignore lint/suspicious/noExplicitAny: vector files are untyped JSON
type Json = any;

/** The parsed vector files, by file name ("merkle.json", …). */
export type Vectors = Record<string, Json>;

export interface Case {
  name: string;
  run: () => void | Promise<void>;
}

/** The vector files these checks understand; a new file in test/vectors must be added here. */
export const VECTOR_FILES = ['merkle.json', 'merkle-probes.json', 'note.json', 'tiles.json'];

// ---------------------------------------------------------------------------------------------
// Tiny assertion helpers (the browser has no vitest `expect`).

export class CheckFailure extends Error {}

function fail(message: string): never {
  throw new CheckFailure(message);
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0) fail(`odd hex ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function eq(actual: unknown, expected: unknown, what: string): void {
  const a = actual instanceof Uint8Array ? hex(actual) : JSON.stringify(actual);
  const b = expected instanceof Uint8Array ? hex(expected) : JSON.stringify(expected);
  if (a !== b) fail(`${what}: got ${a}, want ${b}`);
}

function hexList(list: Uint8Array[]): string[] {
  return list.map(hex);
}

/** Runs fn and requires it to throw a LedgerError (with `code`, if given); returns the code. */
export function rejects(fn: () => unknown, what: string, code?: LedgerErrorCode): LedgerErrorCode {
  try {
    fn();
  } catch (e) {
    if (!isLedgerError(e)) fail(`${what}: threw a non-LedgerError: ${String(e)}`);
    if (code !== undefined && e.code !== code) fail(`${what}: code ${e.code}, want ${code}`);
    return e.code;
  }
  return fail(`${what}: was accepted`);
}

export async function rejectsAsync(
  fn: () => unknown,
  what: string,
  code?: LedgerErrorCode,
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isLedgerError(e)) fail(`${what}: threw a non-LedgerError: ${String(e)}`);
    if (code !== undefined && e.code !== code) fail(`${what}: code ${e.code}, want ${code}`);
    return;
  }
  fail(`${what}: was accepted`);
}

// ---------------------------------------------------------------------------------------------
// A node store for trees given by their leaf hashes.

function storeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

/** Every complete node of the tree over `leaves`, via CompactRange's node visitor. */
export function buildStore(leaves: Uint8Array[]): Map<string, Uint8Array> {
  const store = new Map<string, Uint8Array>();
  new CompactRange().append(leaves, (level, index, hash) =>
    store.set(storeKey(level, index), hash),
  );
  return store;
}

export function hashAtOf(store: Map<string, Uint8Array>) {
  return ({ level, index }: NodeId): Uint8Array => {
    const h = store.get(storeKey(level, index));
    if (h === undefined) fail(`hashAt asked for missing node ${level}/${index}`);
    return h;
  };
}

// ---------------------------------------------------------------------------------------------
// Vector cases

export function vectorCases(vectors: Vectors): Case[] {
  for (const file of VECTOR_FILES) if (!(file in vectors)) fail(`vector file ${file} missing`);
  return [
    ...merkleCases(vectors['merkle.json']),
    ...probeCases(vectors['merkle-probes.json']),
    ...noteCases(vectors['note.json'], vectors['merkle.json']),
    ...tileCases(vectors['tiles.json']),
  ];
}

function merkleCases(m: Json): Case[] {
  const cases: Case[] = [];
  const leaves: Uint8Array[] = m.leaf_inputs_hex.map(fromHex);
  const leafHashes: Uint8Array[] = m.leaf_hashes_hex.map(fromHex);
  const store = new Map<string, Uint8Array>();
  m.node_hashes_by_level.levels.forEach((level: string[], l: number) => {
    for (const [i, h] of level.entries()) store.set(storeKey(l, i), fromHex(h));
  });
  const hashAt = hashAtOf(store);

  for (const v of m.hasher_unit_vectors as Json[]) {
    cases.push({
      name: `merkle.json hasher: ${v.desc}`,
      run: () => {
        const want = v.hex !== undefined ? fromHex(v.hex) : decodeBase64(v.base64);
        if (v.left_ascii !== undefined)
          eq(hashChildren(ascii(v.left_ascii), ascii(v.right_ascii)), want, v.desc);
        else if (v.leaf_input_ascii !== undefined)
          eq(hashLeaf(ascii(v.leaf_input_ascii)), want, v.desc);
        else if (v.leaf_input_hex !== undefined)
          eq(hashLeaf(fromHex(v.leaf_input_hex)), want, v.desc);
        else eq(rootHash([]), want, v.desc);
      },
    });
  }
  cases.push({
    name: 'merkle.json: leaf hashes of the 8 reference leaves',
    run: () => {
      for (const [i, leaf] of leaves.entries()) eq(hashLeaf(leaf), leafHashes[i], `leaf ${i}`);
    },
  });
  for (const [size, root] of Object.entries(m.root_hashes_by_size as Record<string, string>)) {
    cases.push({
      name: `merkle.json: root of size ${size} (rootHash and CompactRange)`,
      run: () => {
        const n = Number(size);
        eq(rootHash(leafHashes.slice(0, n)), fromHex(root), 'rootHash');
        const range = new CompactRange();
        range.append(leafHashes.slice(0, n));
        eq(range.root(), fromHex(root), 'CompactRange.root');
        eq(CompactRange.fromBytes(range.toBytes()).root(), fromHex(root), 'restored root');
      },
    });
  }
  cases.push({
    name: 'merkle.json: interior node hashes by level',
    run: () => {
      m.node_hashes_by_level.levels.forEach((level: string[], l: number) => {
        level.forEach((h, i) => {
          eq(
            rootHash(leafHashes.slice(i * 2 ** l, (i + 1) * 2 ** l)),
            fromHex(h),
            `node ${l}/${i}`,
          );
        });
      });
      const built = buildStore(leafHashes);
      for (const [key, h] of store) eq(built.get(key), h, `CompactRange node ${key}`);
    },
  });

  const inclusion = (v: Json, label: string, decode: (s: string) => Uint8Array) => {
    const index = v.leafIndex ?? v.leafIdx;
    cases.push({
      name: `merkle.json ${label}: inclusion of ${index} in ${v.treeSize} verifies and is regenerated`,
      run: () => {
        const proof = v.proof.map(decode);
        verifyInclusion({
          leafHash: decode(v.leafHash),
          index,
          treeSize: v.treeSize,
          proof,
          rootHash: decode(v.root),
        });
        eq(
          hexList(proveInclusion({ index, treeSize: v.treeSize, hashAt }) as Uint8Array[]),
          hexList(proof),
          'proof',
        );
      },
    });
  };
  const consistency = (v: Json, label: string, decode: (s: string) => Uint8Array) => {
    cases.push({
      name: `merkle.json ${label}: consistency ${v.size1} → ${v.size2} verifies and is regenerated`,
      run: () => {
        const proof = v.proof.map(decode);
        verifyConsistency({
          oldSize: v.size1,
          newSize: v.size2,
          proof,
          oldRoot: decode(v.root1),
          newRoot: decode(v.root2),
        });
        const made = proveConsistency({
          oldSize: v.size1,
          newSize: v.size2,
          hashAt,
        }) as Uint8Array[];
        eq(hexList(made), hexList(proof), 'proof');
      },
    });
  };
  for (const v of m.inclusion_proofs_source) inclusion(v, 'published', fromHex);
  for (const v of m.consistency_proofs_source) consistency(v, 'published', fromHex);
  for (const v of m.computed_not_from_source.inclusion) inclusion(v, 'computed', fromHex);
  for (const v of m.computed_not_from_source.consistency) consistency(v, 'computed', fromHex);
  for (const v of m.probe_happy_paths_base64) {
    if (v.kind === 'inclusion') inclusion(v, `happy path ${v.file}`, (s) => decodeBase64(s));
    else consistency(v, `happy path ${v.file}`, (s) => decodeBase64(s));
  }
  // The transparency-dev edge-case semantics, stated in merkle.json as rules.
  const e = m.edge_case_semantics_transparency_dev;
  cases.push({
    name: `merkle.json edge cases (${e.inclusion.length} inclusion + ${e.consistency.length} consistency rules)`,
    run: () => {
      const r1 = fromHex(m.root_hashes_by_size['1']);
      const r2 = fromHex(m.root_hashes_by_size['2']);
      const empty = fromHex(m.root_hashes_by_size['0']);
      const leaf = leafHashes[0]!;
      // inclusion: index >= size; size 0; 32-byte leaf hash; exact proof length; size-1 tree.
      rejects(
        () => verifyInclusion({ leafHash: leaf, index: 1, treeSize: 1, proof: [], rootHash: r1 }),
        'index = size',
      );
      rejects(
        () =>
          verifyInclusion({ leafHash: leaf, index: 0, treeSize: 0, proof: [], rootHash: empty }),
        'size 0',
      );
      rejects(
        () =>
          verifyInclusion({
            leafHash: leaf.subarray(1),
            index: 0,
            treeSize: 1,
            proof: [],
            rootHash: r1,
          }),
        '31-byte leaf',
        'invalid_hash',
      );
      rejects(
        () =>
          verifyInclusion({ leafHash: leaf, index: 0, treeSize: 1, proof: [leaf], rootHash: r1 }),
        'size 1 with a proof',
        'proof_wrong_length',
      );
      verifyInclusion({ leafHash: leaf, index: 0, treeSize: 1, proof: [], rootHash: r1 });
      // consistency: size2 < size1; size1 = 0; equal sizes; empty proof.
      rejects(
        () => verifyConsistency({ oldSize: 2, newSize: 1, proof: [], oldRoot: r2, newRoot: r1 }),
        '2 → 1',
      );
      rejects(
        () =>
          verifyConsistency({ oldSize: 0, newSize: 0, proof: [], oldRoot: empty, newRoot: empty }),
        '0 → 0',
      );
      rejects(
        () => verifyConsistency({ oldSize: 0, newSize: 1, proof: [], oldRoot: empty, newRoot: r1 }),
        '0 → 1',
      );
      verifyConsistency({ oldSize: 1, newSize: 1, proof: [], oldRoot: r1, newRoot: r1 });
      rejects(
        () => verifyConsistency({ oldSize: 1, newSize: 1, proof: [r1], oldRoot: r1, newRoot: r1 }),
        '1 → 1 + proof',
      );
      rejects(
        () => verifyConsistency({ oldSize: 1, newSize: 2, proof: [], oldRoot: r1, newRoot: r2 }),
        'empty proof',
      );
    },
  });
  return cases;
}

/**
 * Probes where we are deliberately stricter than transparency-dev/merkle, with the code we throw.
 * Its equal-sizes check compares roots byte for byte without checking their length, so it accepts
 * two equal 12-byte "roots"; we require every root to be a 32-byte hash first.
 */
export const PROBE_DEVIATIONS: Record<string, LedgerErrorCode> = {
  'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json': 'invalid_hash',
};

function probeCases(p: Json): Case[] {
  const cases: Case[] = [];
  for (const v of p.inclusion as Json[]) {
    cases.push({
      name: `merkle-probes.json ${v.file} (${v.desc}) is ${v.wantErr ? 'rejected' : 'accepted'}`,
      run: () => {
        const check = () =>
          verifyInclusion({
            leafHash: fromHex(v.leafHash),
            index: v.leafIdx,
            treeSize: v.treeSize,
            proof: v.proof.map(fromHex),
            rootHash: fromHex(v.root),
          });
        if (v.wantErr) rejects(check, v.file);
        else check();
      },
    });
  }
  for (const v of p.consistency as Json[]) {
    const deviation = PROBE_DEVIATIONS[v.file];
    if (deviation !== undefined) {
      cases.push({
        name: `merkle-probes.json ${v.file} (${v.desc}) is rejected: deliberately stricter (non-32-byte roots)`,
        run: () => {
          const roots = [v.root1, v.root2].map(fromHex);
          if (roots.every((r) => r.length === 32))
            fail('deviation no longer applies: roots are 32 bytes');
          rejects(
            () =>
              verifyConsistency({
                oldSize: v.size1,
                newSize: v.size2,
                proof: v.proof.map(fromHex),
                oldRoot: roots[0]!,
                newRoot: roots[1]!,
              }),
            v.file,
            deviation,
          );
        },
      });
      continue;
    }
    cases.push({
      name: `merkle-probes.json ${v.file} (${v.desc}) is ${v.wantErr ? 'rejected' : 'accepted'}`,
      run: () => {
        const check = () =>
          verifyConsistency({
            oldSize: v.size1,
            newSize: v.size2,
            proof: v.proof.map(fromHex),
            oldRoot: fromHex(v.root1),
            newRoot: fromHex(v.root2),
          });
        if (v.wantErr) rejects(check, v.file);
        else check();
      },
    });
  }
  return cases;
}

function noteCases(n: Json, m: Json): Case[] {
  const cases: Case[] = [];
  for (const note of n.notes as Json[]) {
    if (note.id === 'go-sumdb-note-peterneumann') cases.push(...goNoteCases(note));
    else if (note.id === 'c2sp-signed-note-example') {
      cases.push({
        name: `note.json ${note.id}: the C2SP example note opens with its verifier key`,
        run: () => {
          const v = parseVerifierKey(note.verifier_key);
          eq(v.keyId.toString(16).padStart(8, '0'), note.key_id, 'key ID');
          eq(v.publicKey, fromHex(note.public_key_hex), 'public key');
          const opened = openNote(note.signed_note, [v]);
          eq(opened.text, note.text, 'text');
          eq(opened.signatures.length, 1, 'verified signatures');
        },
      });
    } else if (note.id === 'c2sp-cosignature-example-layout-only') {
      cases.push({
        name: `note.json ${note.id}: cosignature/v1 line layout and signed message`,
        run: () => {
          const line = parseSignatureLine(note.signature_line.replace(/\n$/, ''));
          eq(line.keyId.toString(16).padStart(8, '0'), note.decoded.key_id, 'key ID');
          eq(4 + line.signature.length, note.decoded.total_bytes, 'signature bytes');
          eq(cosignatureTimestamp(line.signature), note.decoded.timestamp, 'timestamp');
          const header = `cosignature/v1\ntime ${note.decoded.timestamp}\n`;
          const checkpoint = note.signed_message_example.slice(header.length);
          parseCheckpoint(checkpoint);
          eq(
            cosignatureMessage(checkpoint, note.decoded.timestamp),
            ascii(note.signed_message_example),
            'message',
          );
        },
      });
    } else if (note.id === 'computed-checkpoint-reference-tree') {
      cases.push(...checkpointNoteCases(note, m));
    } else {
      cases.push({
        name: `note.json ${note.id}`,
        run: () => fail(`unknown note vector ${note.id}`),
      });
    }
  }
  return cases;
}

function goNoteCases(note: Json): Case[] {
  const [peterKey, enochKey] = note.verifier_keys as [string, string];
  const peter = () => parseVerifierKey(peterKey);
  const enoch = () => parseVerifierKey(enochKey);
  const peterLine: string = note.signature_lines[0];
  const id = `note.json ${note.id}`;
  const cases: Case[] = [
    {
      name: `${id}: verifier keys parse to the published key IDs and public keys`,
      run: () => {
        for (const key of note.verifier_keys as string[]) {
          const v = parseVerifierKey(key);
          eq(v.keyId.toString(16).padStart(8, '0'), note.key_ids[v.name], `${v.name} key ID`);
          eq(v.publicKey, fromHex(note.public_keys_hex[v.name]), `${v.name} public key`);
          eq(v.verifierKey, key, 're-encoded verifier key');
        }
      },
    },
    {
      name: `${id}: the Go signer key signs the text exactly as Go did`,
      run: () => {
        const signer = parseSignerKey(note.signer_key);
        eq(signer.verifierKey, peterKey, 'verifier key of the signer key');
        eq(signNote(note.text, [note.signer_key]), note.signed_note_single, 'signed note');
      },
    },
    {
      name: `${id}: the signature lines are those of the doubly signed note`,
      run: () => eq(note.signed_note_double.endsWith(note.signature_lines.join('')), true, 'lines'),
    },
    {
      name: `${id}: Open(single, [Peter]) verifies`,
      run: () => {
        const opened = openNote(note.signed_note_single, [peter()]);
        eq(opened.text, note.text, 'text');
        eq(
          opened.signatures.map((s) => s.name),
          ['PeterNeumann'],
          'signatures',
        );
      },
    },
    {
      name: `${id}: ${note.expected_open_behaviour[0]}`,
      run: () => {
        const opened = openNote(note.signed_note_double, [peter()]);
        eq(
          opened.signatures.map((s) => s.name),
          ['PeterNeumann'],
          'verified',
        );
        eq(
          opened.unverified.map((s) => s.name),
          ['EnochRoot'],
          'unverified',
        );
      },
    },
    {
      name: `${id}: ${note.expected_open_behaviour[1]}`,
      run: () => {
        const opened = openNote(note.signed_note_double, [peter(), enoch()]);
        eq(
          opened.signatures.map((s) => s.name),
          ['PeterNeumann', 'EnochRoot'],
          'verified',
        );
        eq(opened.unverified.length, 0, 'unverified');
      },
    },
    {
      name: `${id}: ${note.expected_open_behaviour[2]}`,
      run: () =>
        void rejects(
          () => openNote(note.signed_note_double, []),
          'no verifiers',
          'no_verifiable_signature',
        ),
    },
    {
      name: `${id}: ${note.expected_open_behaviour[3]}`,
      run: () => {
        const many = `${note.text}\n${peterLine.repeat(101)}`;
        rejects(() => openNote(many, [peter()]), '101 signatures', 'malformed_note');
      },
    },
    {
      name: `${id}: ${note.expected_open_behaviour[4]}`,
      run: () => {
        const bad = `${peterLine.slice(0, 60)}ABCD${peterLine.slice(60)}`;
        rejects(
          () => openNote(`${note.text}\n${bad}`, [peter()]),
          'corrupted signature',
          'invalid_signature',
        );
      },
    },
    {
      name: `${id}: ${note.expected_open_behaviour[5]}`,
      run: () => {
        const text: string = note.text;
        const single: string = note.signed_note_single;
        const malformed: [string, string | Uint8Array][] = [
          ['text alone', text],
          ["text + '\\n'", `${text}\n`],
          ['signature line without final newline', single.slice(0, -1)],
          ['leading 0x01', `\u0001${single}`],
          [
            'leading 0xff byte (invalid UTF-8)',
            Uint8Array.of(0xff, ...new TextEncoder().encode(single)),
          ],
          ['leading lone surrogate', `\ud800${single}`],
          [
            'key name with a space',
            `${text}\n${peterLine.replace('PeterNeumann', 'Peter Neumann')}`,
          ],
          ['a non-signature line after the signatures', `${single}hello\n`],
        ];
        for (const [what, input] of malformed)
          rejects(() => openNote(input, [peter()]), what, 'malformed_note');
      },
    },
  ];
  for (const bad of note.bad_verifier_keys as string[]) {
    const key = bad.split(' (')[0]!;
    cases.push({
      name: `${id}: bad verifier key is rejected: ${bad}`,
      run: () => void rejects(() => parseVerifierKey(key), key),
    });
  }
  return cases;
}

function checkpointNoteCases(note: Json, m: Json): Case[] {
  const id = `note.json ${note.id}`;
  const body: string = note.checkpoint_body;
  const [logLine, witnessLine] = note.signed_note.slice(body.length + 1).match(/[^\n]*\n/g) as [
    string,
    string,
  ];
  const cosigner = note.cosigner;
  return [
    {
      name: `${id}: the transparency-dev test keys parse and match`,
      run: () => {
        for (const k of note.test_keys as Json[]) {
          const signer = parseSignerKey(k.skey);
          const verifier = parseVerifierKey(k.vkey);
          eq(signer.verifierKey, k.vkey, `${k.name} signer → verifier key`);
          eq(verifier.keyId.toString(16).padStart(8, '0'), k.key_id, `${k.name} key ID`);
          eq(verifier.publicKey, fromHex(k.public_key_hex), `${k.name} public key`);
        }
      },
    },
    {
      name: `${id}: the checkpoint body parses to the 8-leaf reference root and formats back`,
      run: () => {
        const cp = parseCheckpoint(body);
        eq(cp.size, 8, 'size');
        eq(cp.rootHash, fromHex(m.root_hashes_by_size['8']), 'root');
        eq(cp.extensions, [], 'extensions');
        eq(formatCheckpoint(cp), body, 'formatted');
      },
    },
    {
      name: `${id}: the log signature is reproduced byte for byte`,
      run: () =>
        eq(signNote(body, [note.log_signer_key]), `${body}\n${logLine}`, 'signed checkpoint'),
    },
    {
      name: `${id}: the cosignature/v1 line is reproduced byte for byte`,
      run: () => {
        // The cosigner reuses the Known key's seed under type 0x04 and its own name.
        const known = (note.test_keys as Json[]).find((k) => k.name === 'Known');
        const seed = decodeBase64(known.skey.split('+').slice(4).join('+')).slice(1);
        const skey = `PRIVATE+KEY+${cosigner.name}+${cosigner.key_id}+${encodeBase64(Uint8Array.of(4, ...seed))}`;
        eq(parseSignerKey(skey).verifierKey, cosigner.verifier_key, 'cosigner verifier key');
        eq(
          cosignatureMessage(body, cosigner.timestamp),
          ascii(cosigner.signed_message),
          'signed message',
        );
        eq(
          parseVerifierKey(cosigner.verifier_key).keyId.toString(16).padStart(8, '0'),
          cosigner.key_id,
          'key ID',
        );
        const line = cosign({ checkpoint: body, signerKey: skey, timestamp: cosigner.timestamp });
        eq(line, witnessLine, 'cosignature line');
      },
    },
    {
      name: `${id}: the cosigned checkpoint opens with the log key and the witness key`,
      run: () => {
        const opened = openNote(note.signed_note, [
          parseVerifierKey(note.log_verifier_key),
          parseVerifierKey(cosigner.verifier_key),
        ]);
        eq(opened.text, body, 'text');
        eq(
          opened.signatures.map((s) => [s.name, s.timestamp ?? null]),
          [
            ['Log', null],
            [cosigner.name, cosigner.timestamp],
          ],
          'signatures',
        );
        const result = verifyCosignature({
          checkpoint: body,
          signature: witnessLine,
          verifierKey: cosigner.verifier_key,
        });
        eq(result.timestamp, cosigner.timestamp, 'verifyCosignature timestamp');
        const verified = verifyCheckpoint(note.signed_note, {
          logKey: note.log_verifier_key,
          witnesses: [cosigner.verifier_key],
          quorum: 1,
          origin: 'example.com/donations-test',
        });
        eq(verified.cosignatures.length, 1, 'cosignatures');
      },
    },
    {
      name: `${id}: the witness signature is unverified under the Known 0x01 key (other key ID)`,
      run: () => {
        const known = (note.test_keys as Json[]).find((k) => k.name === 'Known');
        const opened = openNote(note.signed_note, [
          parseVerifierKey(note.log_verifier_key),
          parseVerifierKey(known.vkey),
        ]);
        eq(
          opened.unverified.map((s) => s.name),
          [cosigner.name],
          'unverified',
        );
        rejects(
          () => openNote(note.signed_note, [parseVerifierKey(known.vkey)]),
          'only Known',
          'no_verifiable_signature',
        );
      },
    },
  ];
}

function tileCases(t: Json): Case[] {
  const cases: Case[] = [];
  for (const v of t.path_vectors as Json[]) {
    const label = `tiles.json ${v.source} ${v.kind ?? v.desc}`;
    if (v.desc === 'N encoding' || (v.encoded !== undefined && v.kind === undefined)) {
      cases.push({
        name: `${label}: ${v.n} → ${v.encoded}`,
        run: () => eq(encodeTileIndex(v.n), v.encoded, 'N'),
      });
    } else if (v.kind === 'hash tile' || v.kind === 'entry bundle') {
      const level = v.kind === 'hash tile' ? v.level : -1;
      cases.push({
        name: `${label}: (${level}, ${v.n}, ${v.width}) ↔ ${v.path}`,
        run: () => {
          eq(tilePath({ level, index: v.n, width: v.width }), v.path, 'path');
          eq(parseTilePath(v.path), { level, index: v.n, width: v.width }, 'parsed');
        },
      });
    } else if (v.kind === 'entry bundle holding log index') {
      cases.push({
        name: `${label}: index ${v.index} of ${v.tree_size} → ${v.path}`,
        run: () =>
          eq(
            tilePath(entryBundleForIndex({ index: v.index, treeSize: v.tree_size })),
            v.path,
            'path',
          ),
      });
    } else if (v.kind === 'parse') {
      cases.push({
        name: `${label}: ${v.path}`,
        run: () => {
          if (!Number.isSafeInteger(v.n)) {
            // Deliberate: tile indexes are safe integers here; this one (≈10^18) cannot be a tile of
            // any tree of at most 2^53 − 1 leaves, so it is rejected, not misread.
            rejects(() => parseTilePath(v.path), v.path, 'malformed_tile');
            return;
          }
          eq(parseTilePath(v.path), { level: v.level, index: v.n, width: v.width }, 'parsed');
          eq(tilePath({ level: v.level, index: v.n, width: v.width }), v.path, 'formatted');
        },
      });
    } else if (v.H !== undefined) {
      cases.push({
        name: `${label}: ${v.path}`,
        run: () =>
          eq(tilePath({ height: v.H, level: v.L, index: v.N, width: v.W }), v.path, 'Go path'),
      });
    } else if (typeof v.desc === 'string' && v.desc.startsWith('Tile{')) {
      cases.push({
        name: `${label}: ${v.desc}`,
        run: () => {
          const m =
            /Tile\{H: (\d+), L: (\d+), N: (\d+), W: (\d+)\} -> (\S+) ; with W: (\d+) -> (\S+)/.exec(
              v.desc,
            );
          if (m === null) fail('unparsed doc example');
          const [, H, L, N, W, path, W2, path2] = m.map(String) as string[];
          const base = { height: Number(H), level: Number(L), index: Number(N) };
          eq(tilePath({ ...base, width: Number(W) }), path, 'partial');
          eq(tilePath({ ...base, width: Number(W2) }), path2, 'full');
        },
      });
    } else {
      cases.push({ name: label, run: () => fail(`unknown tile vector ${JSON.stringify(v)}`) });
    }
  }
  for (const v of t.invalid_paths as Json[]) {
    cases.push({
      name: `tiles.json invalid path is rejected: ${v.path}`,
      run: () => void rejects(() => parseTilePath(v.path), v.path, 'malformed_tile'),
    });
  }
  for (const v of t.partial_tile_examples as Json[]) {
    cases.push({
      name: `tiles.json partial tiles for tree size ${v.tree_size}`,
      run: () => {
        const tiles = tilesForSize(v.tree_size);
        if (v.paths !== undefined)
          eq(
            tiles.map((x) => tilePath(x)),
            v.paths,
            'paths',
          );
        if (v.full_tiles_per_level !== undefined) {
          const full: Record<string, number> = {};
          const partial: Record<string, number> = {};
          for (const x of tiles) {
            if (x.width === 256) full[x.level] = (full[x.level] ?? 0) + 1;
            else partial[x.level] = x.width;
          }
          eq(full, v.full_tiles_per_level, 'full tiles');
          eq(partial, v.partial_width_per_level, 'partial widths');
          for (const [level, width] of Object.entries(
            v.partial_width_per_level as Record<string, number>,
          )) {
            eq(
              Math.floor(v.tree_size / 256 ** Number(level)) % 256,
              width,
              `rule at level ${level}`,
            );
          }
        }
      },
    });
  }
  for (const v of t.go_newtiles_counts as Json[]) {
    cases.push({
      name: `tiles.json Go NewTiles(h=${v.height}, ${v.old}, ${v.new}) publishes ${v.tiles_to_publish}`,
      run: () =>
        eq(
          newTiles({ oldSize: v.old, newSize: v.new, height: v.height }).length,
          v.tiles_to_publish,
          'count',
        ),
    });
  }
  const bundle = t.entry_bundle_format.example_computed;
  cases.push({
    name: 'tiles.json entry bundle format: encode, decode, and entry i hashes to hash i of the level-0 tile',
    run: () => {
      const entries = (bundle.entries_ascii as string[]).map(ascii);
      const bytes = encodeEntryBundle(entries);
      eq(bytes, fromHex(bundle.bundle_hex), 'bundle');
      eq(decodeEntryBundle(bytes).map(hex), entries.map(hex), 'decoded');
      const tile = encodeTile(entries.map(hashLeaf));
      eq(
        decodeTile(tile, entries.length).map(hex),
        entries.map((e) => hex(hashLeaf(e))),
        'tile hashes',
      );
    },
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Property cases (fast-check)

export interface PropertyOptions {
  numRuns: number;
  /** Largest random tree. */
  maxLeaves: number;
  seed?: number;
}

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** A random tree (its leaf hashes are cheap: counter-based, then hashed). */
function treeOf(size: number, salt: number): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    leaves.push(
      hashLeaf(
        Uint8Array.of(salt % 256, i % 256, Math.floor(i / 256) % 256, Math.floor(i / 65536)),
      ),
    );
  }
  return leaves;
}

const trees = (maxLeaves: number) =>
  fc
    .record({ size: fc.integer({ min: 1, max: maxLeaves }), salt: fc.nat(255) })
    .map(({ size, salt }) => {
      const leaves = treeOf(size, salt);
      return { leaves, store: buildStore(leaves), root: rootHash(leaves) };
    });

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  const at = Math.floor(bit / 8) % copy.length;
  copy[at] = copy[at]! ^ (1 << (bit % 8));
  return copy;
}

/** The left/right sequence of an audit path (RFC 9162 §2.1.3.2 loop), or "" if index ≥ size. */
function pathShape(index: number, size: number): string {
  if (index >= size) return 'X';
  let fn = index;
  let sn = size - 1;
  let shape = '';
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      shape += 'L';
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      shape += 'R';
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return shape;
}

/** The shape of a consistency proof check (RFC 9162 §2.1.4.2 loop), or "X…" outside 0 < m < n. */
function consistencyShape(m: number, n: number): string {
  if (m <= 0 || m >= n) return `X${m},${n}`;
  let shape = Number.isInteger(Math.log2(m)) ? 'P' : 'S';
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      shape += 'B';
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      shape += 'R';
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return shape;
}

/** Runs fn, which must throw a LedgerError, or not throw at all; any other exception fails. */
function onlyLedgerErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!isLedgerError(e)) throw e;
    return false;
  }
}

export function propertyCases(options: PropertyOptions): Case[] {
  const params = { numRuns: options.numRuns, seed: options.seed };
  const few = { numRuns: Math.max(5, Math.floor(options.numRuns / 4)), seed: options.seed };
  const max = options.maxLeaves;
  return [
    {
      name: 'property: generated inclusion proofs verify, and match the RFC PATH of the whole tree',
      run: () =>
        fc.assert(
          fc.property(trees(max), fc.nat(), ({ leaves, store, root }, k) => {
            const index = k % leaves.length;
            const proof = proveInclusion({
              index,
              treeSize: leaves.length,
              hashAt: hashAtOf(store),
            }) as Uint8Array[];
            verifyInclusion({
              leafHash: leaves[index]!,
              index,
              treeSize: leaves.length,
              proof,
              rootHash: root,
            });
          }),
          params,
        ),
    },
    {
      name: 'property: a flipped bit anywhere in an inclusion proof, leaf or root is rejected',
      run: () =>
        fc.assert(
          fc.property(
            trees(max),
            fc.nat(),
            fc.nat(),
            fc.nat(),
            ({ leaves, store, root }, k, part, bit) => {
              const index = k % leaves.length;
              const treeSize = leaves.length;
              const proof = proveInclusion({
                index,
                treeSize,
                hashAt: hashAtOf(store),
              }) as Uint8Array[];
              const which = part % (proof.length + 2);
              const args = { leafHash: leaves[index]!, index, treeSize, proof, rootHash: root };
              if (which === proof.length) args.leafHash = flipBit(args.leafHash, bit);
              else if (which === proof.length + 1) args.rootHash = flipBit(root, bit);
              else args.proof = proof.map((h, i) => (i === which ? flipBit(h, bit) : h));
              rejects(() => verifyInclusion(args), 'flipped bit');
            },
          ),
          params,
        ),
    },
    {
      name: 'property: an inclusion proof checked at a wrong index or size is rejected unless the audit path has the same shape',
      run: () =>
        fc.assert(
          fc.property(
            trees(max),
            fc.nat(),
            fc.integer({ min: 1, max: 2 ** 40 }),
            fc.boolean(),
            (t, k, delta, moveIndex) => {
              const treeSize = t.leaves.length;
              const index = k % treeSize;
              const proof = proveInclusion({
                index,
                treeSize,
                hashAt: hashAtOf(t.store),
              }) as Uint8Array[];
              const args = { leafHash: t.leaves[index]!, index, treeSize, proof, rootHash: t.root };
              if (moveIndex) args.index = index + (delta % (2 * treeSize));
              else
                args.treeSize =
                  delta % 2 === 0 ? treeSize + delta : Math.max(1, treeSize - (delta % treeSize));
              if (args.index === index && args.treeSize === treeSize) return;
              // The proof does not bind the size: the same hashes prove the same root whenever the
              // leaf's audit path has the same left/right shape (e.g. leaf 0 in sizes 5 and 6).
              // That is why a receipt's size must equal the signed checkpoint's size.
              const same = pathShape(args.index, args.treeSize) === pathShape(index, treeSize);
              if (same) verifyInclusion(args);
              else
                rejects(() => verifyInclusion(args), `index ${args.index} size ${args.treeSize}`);
            },
          ),
          params,
        ),
    },
    {
      name: 'property: generated consistency proofs verify; flipped bits and wrong sizes are rejected',
      run: () =>
        fc.assert(
          fc.property(trees(max), fc.nat(), fc.nat(), fc.nat(), (t, a, part, bit) => {
            const newSize = t.leaves.length;
            const oldSize = 1 + (a % newSize);
            const hashAt = hashAtOf(t.store);
            const proof = proveConsistency({ oldSize, newSize, hashAt }) as Uint8Array[];
            const oldRoot = rootHash(t.leaves.slice(0, oldSize));
            const good = { oldSize, newSize, proof, oldRoot, newRoot: t.root };
            verifyConsistency(good);
            const which = part % (proof.length + 4);
            const bad = { ...good };
            if (which < proof.length)
              bad.proof = proof.map((h, i) => (i === which ? flipBit(h, bit) : h));
            else if (which === proof.length) bad.oldRoot = flipBit(oldRoot, bit);
            else if (which === proof.length + 1) bad.newRoot = flipBit(t.root, bit);
            else if (which === proof.length + 2)
              bad.oldSize = oldSize === newSize ? oldSize - 1 : oldSize + 1;
            else bad.newSize = newSize + 1 + (bit % 1000);
            if (bad.oldSize === 0) bad.oldSize = 2;
            // As for inclusion, sizes are bound by the signed checkpoints, not by the proof: a
            // proof also checks out for other sizes that give the same verification shape.
            const sizesOnly = which >= proof.length + 2;
            if (
              sizesOnly &&
              consistencyShape(bad.oldSize, bad.newSize) === consistencyShape(oldSize, newSize)
            ) {
              verifyConsistency(bad);
            } else {
              rejects(() => verifyConsistency(bad), 'tampered consistency proof');
            }
          }),
          params,
        ),
    },
    {
      name: 'property: CompactRange root equals rootHash for every prefix, in batches of any size',
      run: () =>
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: Math.min(max, 600) }),
            fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
            (size, batches) => {
              const leaves = treeOf(size, 7);
              const one = new CompactRange();
              for (let i = 0; i < size; i++) {
                eq(one.root(), rootHash(leaves.slice(0, i)), `prefix ${i}`);
                one.append([leaves[i]!]);
              }
              const batched = new CompactRange();
              let at = 0;
              for (let b = 0; at < size; b++) {
                const n = batches[b % batches.length]!;
                batched.append(leaves.slice(at, at + n));
                at = Math.min(size, at + n);
                eq(batched.size, at, 'size');
                eq(batched.root(), rootHash(leaves.slice(0, at)), `batched prefix ${at}`);
              }
              eq(batched.root(), one.root(), 'final root');
            },
          ),
          few,
        ),
    },
    {
      name: 'property: saving and restoring a CompactRange changes nothing',
      run: () =>
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: max }),
            fc.integer({ min: 0, max: 300 }),
            (size, more) => {
              const leaves = treeOf(size + more, 3);
              const range = new CompactRange();
              range.append(leaves.slice(0, size));
              const restored = CompactRange.fromBytes(range.toBytes());
              eq(restored.size, range.size, 'size');
              eq(restored.root(), range.root(), 'root');
              eq(restored.toBytes(), range.toBytes(), 'bytes');
              range.append(leaves.slice(size));
              restored.append(leaves.slice(size));
              eq(restored.root(), range.root(), 'root after more appends');
            },
          ),
          params,
        ),
    },
    {
      name: 'property: proofs read from tiles (hashAtFromTiles) equal proofs from the node store',
      run: () =>
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: Math.max(max, 2000) }),
            fc.nat(),
            fc.nat(),
            (size, k, a) => {
              const leaves = treeOf(size, 9);
              const store = buildStore(leaves);
              // Tiles of this tree size, as a tile writer would store them.
              const tiles = new Map<string, Uint8Array>();
              for (const tile of tilesForSize(size)) {
                const hashes: Uint8Array[] = [];
                for (let i = 0; i < tile.width; i++) {
                  hashes.push(store.get(storeKey(tile.level * 8, tile.index * 256 + i))!);
                }
                tiles.set(tilePath(tile), encodeTile(hashes));
              }
              const readTile = (tile: Tile) => {
                const data = tiles.get(tilePath(tile));
                if (data === undefined) fail(`missing tile ${tilePath(tile)}`);
                return data;
              };
              const index = k % size;
              const oldSize = 1 + (a % size);
              const fromTiles = hashAtFromTiles({ treeSize: size, readTile });
              const p1 = proveInclusion({
                index,
                treeSize: size,
                hashAt: fromTiles,
              }) as Uint8Array[];
              eq(
                hexList(p1),
                hexList(
                  proveInclusion({
                    index,
                    treeSize: size,
                    hashAt: hashAtOf(store),
                  }) as Uint8Array[],
                ),
                'inclusion',
              );
              const p2 = proveConsistency({
                oldSize,
                newSize: size,
                hashAt: fromTiles,
              }) as Uint8Array[];
              const p3 = proveConsistency({
                oldSize,
                newSize: size,
                hashAt: hashAtOf(store),
              }) as Uint8Array[];
              eq(hexList(p2), hexList(p3), 'consistency');
            },
          ),
          few,
        ),
    },
    {
      name: 'property: an async hashAt yields the same proofs as a sync one',
      run: () =>
        fc.assert(
          fc.asyncProperty(trees(Math.min(max, 500)), fc.nat(), async (t, k) => {
            const size = t.leaves.length;
            const index = k % size;
            const sync = hashAtOf(t.store);
            const async = async (node: NodeId) => sync(node);
            const a = await proveInclusion({ index, treeSize: size, hashAt: async });
            eq(
              hexList(a),
              hexList(proveInclusion({ index, treeSize: size, hashAt: sync }) as Uint8Array[]),
              'proof',
            );
          }),
          few,
        ),
    },
    {
      name: 'property: fuzzed verifyInclusion / verifyConsistency never accept and only throw LedgerError',
      run: () => {
        const size = fc.oneof(
          fc.integer({ min: -2, max: 70 }),
          fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 64, 0.5, Number.NaN, -0),
          fc.anything(),
        );
        const hashish = fc.oneof(hash32, fc.uint8Array({ maxLength: 40 }), fc.anything());
        const proofish = fc.oneof(
          fc.array(hash32, { maxLength: 70 }),
          fc.array(hashish, { maxLength: 8 }),
          fc.anything(),
        );
        fc.assert(
          fc.property(size, size, proofish, hashish, hashish, (a, b, proof, x, y) => {
            const ok1 = onlyLedgerErrors(() =>
              verifyInclusion({ leafHash: x, index: a, treeSize: b, proof, rootHash: y } as never),
            );
            const ok2 = onlyLedgerErrors(() =>
              verifyConsistency({ oldSize: a, newSize: b, proof, oldRoot: x, newRoot: y } as never),
            );
            // Random data can only verify in degenerate, honest cases (equal roots, size 1).
            if (ok1 && !(b === 1 && Array.isArray(proof) && proof.length === 0))
              fail('inclusion accepted');
            if (ok2 && !(a === b && Array.isArray(proof) && proof.length === 0))
              fail('consistency accepted');
            onlyLedgerErrors(() => verifyInclusion(x as never));
            onlyLedgerErrors(() => verifyConsistency(undefined as never));
          }),
          { numRuns: options.numRuns * 5, seed: options.seed },
        );
      },
    },
    {
      name: 'property: fuzzed notes, keys, checkpoints, tiles and receipts only throw LedgerError',
      run: () => {
        const noteish = fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc
            .tuple(
              fc.string(),
              fc.array(fc.tuple(fc.string(), fc.base64String()), { maxLength: 4 }),
            )
            .map(
              ([text, sigs]) => `${text}\n\n${sigs.map(([n, s]) => `\u2014 ${n} ${s}\n`).join('')}`,
            ),
        );
        const log = parseVerifierKey('Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs');
        fc.assert(
          fc.property(noteish, fc.anything(), (s, junk) => {
            onlyLedgerErrors(() => openNote(s, [log]));
            onlyLedgerErrors(() => openNote(junk as never, junk as never));
            onlyLedgerErrors(() => parseVerifierKey(s));
            onlyLedgerErrors(() => parseSignerKey(`PRIVATE+KEY+${s}`));
            onlyLedgerErrors(() => parseCheckpoint(s));
            onlyLedgerErrors(() => decodeBase64(s));
            onlyLedgerErrors(() => parseTilePath(`tile/${s}`));
            onlyLedgerErrors(() =>
              verifyCosignature({ checkpoint: s, signature: s, verifierKey: s }),
            );
            onlyLedgerErrors(() => verifyReceipt(junk, { logKey: log, witnesses: [], quorum: 0 }));
            onlyLedgerErrors(() => verifyReceipt(s, { logKey: log, witnesses: [], quorum: 0 }));
            onlyLedgerErrors(() => canonicalJsonBytes(junk));
            onlyLedgerErrors(() => CompactRange.fromBytes(junk as never));
            onlyLedgerErrors(() => decodeEntryBundle(junk as never));
          }),
          { numRuns: options.numRuns * 5, seed: options.seed },
        );
      },
    },
    {
      name: 'property: base64 round-trips, and every non-canonical variant is rejected',
      run: () =>
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), (bytes, k) => {
            const s = encodeBase64(bytes);
            eq(decodeBase64(s), bytes, 'round trip');
            const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
            if (pad > 0) {
              // Set one of the unused low bits of the last symbol: same bytes, other string.
              const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
              const at = s.length - pad - 1;
              const v = alphabet.indexOf(s[at]!) + 1 + (k % (pad === 2 ? 15 : 3));
              const bad = s.slice(0, at) + alphabet[v] + s.slice(at + 1);
              rejects(() => decodeBase64(bad), `non-canonical ${bad}`, 'invalid_base64');
              rejects(() => decodeBase64(s.slice(0, -1)), 'missing padding', 'invalid_base64');
            }
            rejects(() => decodeBase64(`${s}=`), 'extra padding', 'invalid_base64');
          }),
          params,
        ),
    },
    {
      name: 'property: a note signed with fresh keys opens with exactly those keys',
      run: () =>
        fc.assert(
          fc.property(fc.string({ minLength: 1, maxLength: 60 }), (line) => {
            const text = `${printable(line)}\n`;
            const log = parseSignerKey(sampleSignerKey);
            const signed = signNote(text, [sampleSignerKey]);
            const opened = openNote(signed, [parseVerifierKey(log.verifierKey)]);
            eq(opened.text, text, 'text');
            rejects(
              () =>
                openNote(signed.replace(text, `${text}x\n`), [parseVerifierKey(log.verifierKey)]),
              'changed text',
              'invalid_signature',
            );
          }),
          few,
        ),
    },
  ];
}

/** s with control characters and surrogates replaced, so it is valid one-line note text. */
function printable(s: string): string {
  return Array.from(s, (c) => (c.charCodeAt(0) < 0x20 || /[\ud800-\udfff]/.test(c) ? '?' : c)).join(
    '',
  );
}

const sampleSignerKey = 'PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ';

/** Runs cases, collecting results instead of stopping at the first failure (for the browser). */
export async function runCases(
  cases: Case[],
): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const results: { name: string; ok: boolean; error?: string }[] = [];
  for (const c of cases) {
    try {
      await c.run();
      results.push({ name: c.name, ok: true });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}
