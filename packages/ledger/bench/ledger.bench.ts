// Benchmark of @goodtrace/ledger's hot paths, single thread. Run: npm run bench -w packages/ledger
//
// Every figure is printed beside the hashing ceiling measured in the same run: node:crypto SHA-256
// of a 65-byte Merkle node, createHash().update().digest() (the definition). Each crypto
// provider is measured in a fresh child process, so the JIT sees one provider only, as in a server
// that installs node:crypto at start. The node:crypto provider is packages/ledger-node.
import { execFileSync } from 'node:child_process';
import { createHash, hash } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import {
  CompactRange,
  formatCheckpoint,
  generateSignerKey,
  hashLeaf,
  nobleProvider,
  openNote,
  parseVerifierKey,
  setCryptoProvider,
  signNote,
  verifyInclusion,
} from '../src/index.js';
import { rootFromInclusionProof } from '../src/merkle.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

/** Runs `op` (which performs `per` operations) for SECONDS after a warm-up; returns ops/s. */
function rate(op: () => void, per = 1): number {
  const until = (s: number) => performance.now() + s * 1000;
  for (let end = until(0.3); performance.now() < end; ) op();
  let n = 0;
  const start = performance.now();
  for (let end = until(SECONDS); performance.now() < end; n++) op();
  return (n * per) / ((performance.now() - start) / 1000);
}

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256);
  return b;
}

type Key = 'leaf' | 'append' | 'inclusion' | 'note';
/** Each figure with the two ceilings measured just before it, in the same process. */
type Figures = Record<Key, { rate: number; ceiling: number; oneShot: number }>;

const node65 = random(65);
/** The ceiling: createHash().update().digest() of a 65-byte node. */
const ceiling = () =>
  rate(() => {
    createHash('sha256').update(node65).digest();
  });
/** A stricter one: the one-shot crypto.hash() the node:crypto provider uses. */
const oneShot = () => rate(() => hash('sha256', node65, 'buffer'));

function withCeilings(op: () => number) {
  return { ceiling: ceiling(), oneShot: oneShot(), rate: op() };
}

/** The measurements, with whatever provider is installed. */
function measure(): Figures {
  // Leaf hashes: SHA-256(0x00 ‖ 64-byte entry), a 65-byte input like the ceiling's.
  const entry = random(64);
  const leaf = withCeilings(() => rate(() => hashLeaf(entry)));

  // CompactRange appends in batches of 1,000 leaf hashes (≈ one node hash per leaf).
  const batch = Array.from({ length: 1000 }, () => random(32));
  const range = new CompactRange();
  const append = withCeilings(() => rate(() => range.append(batch), 1000));

  // Inclusion proof verification in a 2^30-leaf tree: 30 hashes each (64 different proofs).
  const treeSize = 2 ** 30;
  const proofs = Array.from({ length: 64 }, () => {
    const index = Math.floor(Math.random() * treeSize);
    const leafHash = random(32);
    const proof = Array.from({ length: 30 }, () => random(32));
    return {
      leafHash,
      index,
      treeSize,
      proof,
      rootHash: rootFromInclusionProof(leafHash, index, treeSize, proof),
    };
  });
  let k = 0;
  const inclusion = withCeilings(() => rate(() => verifyInclusion(proofs[k++ % 64]!)));

  // Note verification: a checkpoint signed by one Ed25519 log key, opened with its verifier.
  const log = generateSignerKey('goodtrace.example/log');
  const text = formatCheckpoint({
    origin: 'goodtrace.example/log',
    size: treeSize,
    rootHash: random(32),
  });
  const signed = signNote(text, [log.signerKey]);
  const verifier = parseVerifierKey(log.verifierKey);
  const note = withCeilings(() => rate(() => openNote(signed, [verifier])));
  return { leaf, append, inclusion, note };
}

const child = process.argv[2];
if (child === '--provider=noble' || child === '--provider=node') {
  setCryptoProvider(child === '--provider=node' ? nodeCryptoProvider() : nobleProvider);
  process.stdout.write(JSON.stringify(measure()));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const run = (provider: string) =>
  JSON.parse(
    execFileSync(process.execPath, [...process.execArgv, self, `--provider=${provider}`], {
      encoding: 'utf8',
      env: process.env,
    }),
  ) as Figures;

const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')}/s`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

const noble = run('noble');
const node = run('node');

console.log(`@goodtrace/ledger benchmark, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), single thread`,
);
console.log(
  'ceiling = node:crypto createHash SHA-256 of a 65-byte node, measured just before each figure;',
);
console.log(
  'one-shot = crypto.hash() of the same node (what the node:crypto provider uses), likewise.\n',
);

const figures: [Key, string, number, number][] = [
  // key, label, hashes per operation (NaN: not hash-bound), target as a fraction of ceiling/hashes
  ['leaf', 'leaf hashes (65-byte input)', 1, Number.NaN],
  ['append', 'CompactRange appends, batches of 1,000', 1, 0.7],
  ['inclusion', 'inclusion verifications, 2^30 tree', 30, 0.7],
  ['note', 'note verifications, 1 Ed25519 signature', Number.NaN, Number.NaN],
];
for (const [key, label, hashes, target] of figures) {
  const n = node[key];
  const b = noble[key];
  let line = `${label.padEnd(42)} noble ${fmt(b.rate).padStart(11)}   node:crypto ${fmt(n.rate).padStart(11)}`;
  if (!Number.isNaN(hashes)) {
    const base = n.ceiling / hashes;
    line += `   = ${pct(n.rate / base)} of ceiling${hashes > 1 ? '/30' : ''} ${fmt(base)}`;
    line += `, ${pct((n.rate * hashes) / n.oneShot)} of one-shot`;
    if (!Number.isNaN(target))
      line += `; target ≥ ${pct(target)}: ${n.rate >= target * base ? 'met' : 'SHORT'}`;
  }
  console.log(line);
}
