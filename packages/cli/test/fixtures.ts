// A small signed, witnessed log of money events, built with @goodtrace/ledger's public API, and
// receipt files for it as the server hands them to donors.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompactRange,
  cosign,
  createReceipt,
  donorCommitment,
  formatCheckpoint,
  generateSignerKey,
  hashEvent,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  proveInclusion,
  type Receipt,
  signNote,
} from '@goodtrace/ledger';

export const ORIGIN = 'goodtrace.test/log';

export interface Donation {
  donationId: string;
  secret: string;
  index: number;
}

export interface TestLog {
  logKey: { signerKey: string; verifierKey: string };
  witnessKeys: { signerKey: string; verifierKey: string }[];
  donations: Donation[];
  /** The receipt of entry `index`, with a checkpoint signed by the log and every witness. */
  receipt(index: number): Receipt;
}

export function makeLog(): TestLog {
  const donations: Donation[] = [];
  const events: LedgerEvent[] = [];
  for (let i = 0; i < 5; i++) {
    const donationId = `0195d3c2-0000-7000-8000-00000000000${i}`;
    const secret = randomBytes(32).toString('hex');
    donations.push({ donationId, secret, index: events.length });
    events.push({
      type: 'donation.received',
      v: 1,
      at: `2026-11-26T09:0${i}:00Z`,
      data: {
        donationId,
        projectId: 'p-1',
        orgId: 'o-1',
        amount: 5000 + i * 123_456,
        currency: 'CNY',
        paidSeq: i + 1,
        donor: donorCommitment(Buffer.from(secret, 'hex'), donationId),
      },
    });
  }
  const range = new CompactRange();
  const store = new Map<string, Uint8Array>();
  range.append(events.map(hashEvent), (level, index, hash) => store.set(`${level}/${index}`, hash));
  const logKey = generateSignerKey(ORIGIN);
  const witnessKeys = [0, 1, 2].map((i) =>
    generateSignerKey(`witness-${i}.test`, { type: KEY_TYPE_COSIGNATURE_V1 }),
  );
  const text = formatCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() });
  const checkpoint =
    signNote(text, [logKey.signerKey]) +
    witnessKeys
      .map((w) => cosign({ checkpoint: text, signerKey: w.signerKey, timestamp: 1_795_000_000 }))
      .join('');
  const hashAt = ({ level, index }: { level: number; index: number }) =>
    store.get(`${level}/${index}`)!;
  return {
    logKey,
    witnessKeys,
    donations,
    receipt: (index) =>
      createReceipt({
        event: structuredClone(events[index]!),
        leafIndex: index,
        inclusionProof: proveInclusion({ index, treeSize: range.size, hashAt }) as Uint8Array[],
        checkpoint,
      }),
  };
}

/** The checkpoint note without the cosignature line of witness `i`. */
export function withoutCosignature(receipt: Receipt, witnessName: string): Receipt {
  const lines = receipt.checkpoint.split('\n');
  return {
    ...receipt,
    checkpoint: lines.filter((l) => !l.startsWith(`— ${witnessName} `)).join('\n'),
  };
}

const dirs: string[] = [];

/** Writes a receipt file (JSON of `value`, or `value` itself when a string) in a fresh folder. */
export function writeJson(value: unknown, name = 'receipt.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'goodtrace-cli-'));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

/** Removes every folder writeJson made. */
export function removeWrittenFiles(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
