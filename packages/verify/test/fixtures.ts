// A small signed, witnessed log of one donor's money events — their donation, another donor's,
// a disbursement that used part of theirs, its continuation, and the beneficiary's
// confirmation — built with @goodtrace/ledger's public API, and receipts for it as the server
// hands them out.
import { createHash, randomBytes } from 'node:crypto';
import type {
  DonationReceived,
  FundsAcknowledged,
  FundsAllocated,
  FundsDisbursed,
} from '@goodtrace/contract';
import {
  CompactRange,
  cosign,
  createReceipt,
  donorCommitment,
  encodeBase64,
  formatCheckpoint,
  generateSignerKey,
  hashEvent,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  proveInclusion,
  type Receipt,
  signNote,
} from '@goodtrace/ledger';
import type { ShownDisbursement, TraceInput } from '../src/index.js';
import { parseTrust, type Trust } from '../src/index.js';

export const ORIGIN = 'verify.goodtrace.test/log';
export const projectId = '7a0c1c6e-0000-4000-8000-000000000001';
export const orgId = '7a0c1c6e-0000-4000-8000-000000000002';
export const donationId = '7a0c1c6e-0000-4000-8000-0000000000d1';
export const otherDonationId = '7a0c1c6e-0000-4000-8000-0000000000d2';
export const disbursementId = '7a0c1c6e-0000-4000-8000-0000000000b1';
export const secret = randomBytes(32).toString('hex');
export const invoice = createHash('sha256').update('invoice.pdf').digest('hex');
export const photo = createHash('sha256').update('photo.jpg').digest('hex');

export const shown: ShownDisbursement = {
  id: disbursementId,
  projectId,
  amount: 3000,
  currency: 'CNY',
  purpose: 'Winter coats for 3 pupils',
  date: '2026-11-20',
  budgetLine: { id: 'line-1', label: 'Clothes' },
  payee: { id: 'ben-1', kind: 'supplier', region: 'Sichuan', name: 'Warm Coats Ltd' },
  evidence: [{ sha256: invoice }],
};

/** The log's entries, by index. */
export const at = { donation: 0, other: 1, disbursed: 2, allocated: 3, acknowledged: 4 } as const;

export const events: LedgerEvent[] = [
  {
    type: 'donation.received',
    v: 1,
    at: '2026-11-19T08:00:00.000Z',
    data: {
      donationId,
      projectId,
      orgId,
      amount: 5000,
      currency: 'CNY',
      paidSeq: 1,
      donor: donorCommitment(Buffer.from(secret, 'hex'), donationId),
    },
  } satisfies DonationReceived,
  {
    type: 'donation.received',
    v: 1,
    at: '2026-11-19T09:00:00.000Z',
    data: {
      donationId: otherDonationId,
      projectId,
      orgId,
      amount: 2000,
      currency: 'CNY',
      paidSeq: 2,
      donor: 'ab'.repeat(32),
    },
  } satisfies DonationReceived,
  {
    type: 'funds.disbursed',
    v: 1,
    at: '2026-11-20T10:00:00.000Z',
    data: {
      disbursementId,
      projectId,
      orgId,
      amount: 3000,
      currency: 'CNY',
      budgetLineId: 'line-1',
      budgetLine: 'Clothes',
      payee: {
        beneficiaryId: 'ben-1',
        kind: 'supplier',
        region: 'Sichuan',
        name: 'Warm Coats Ltd',
      },
      purpose: 'Winter coats for 3 pupils',
      date: '2026-11-20',
      evidence: [{ sha256: invoice, kind: 'invoice', mediaType: 'application/pdf' }],
      parts: 2,
      allocations: [{ donationId, amount: 1000 }],
    },
  } satisfies FundsDisbursed,
  {
    type: 'funds.allocated',
    v: 1,
    at: '2026-11-20T10:00:00.000Z',
    data: {
      disbursementId,
      projectId,
      part: 2,
      allocations: [
        { donationId, amount: 2000 },
        { donationId: otherDonationId, amount: 0 },
      ],
    },
  } satisfies FundsAllocated,
  {
    type: 'funds.acknowledged',
    v: 1,
    at: '2026-11-21T10:00:00.000Z',
    data: { disbursementId, projectId, orgId, photo },
  } satisfies FundsAcknowledged,
];

export interface Key {
  signerKey: string;
  verifierKey: string;
}

export interface TestLog {
  logKey: Key;
  witnessKeys: Key[];
  /** Every witness trusted, all of them required, the origin named. */
  trust: Trust;
  /** The checkpoint text of the whole log. */
  text: string;
  /** The checkpoint signed by the log and cosigned by the first `cosigners` witnesses (default all). */
  checkpoint(cosigners?: number): string;
  /**
   * The receipt of entry `index` in the whole tree. `event` replaces the event (the proof stays
   * the original's); `treeSize` proves it in that earlier tree instead.
   */
  receipt(
    index: number,
    options?: { event?: LedgerEvent; cosigners?: number; treeSize?: number },
  ): Receipt;
}

/** A log of `events` (by default the ones above), signed and witnessed. */
export function makeLog(options: { witnesses?: number; events?: LedgerEvent[] } = {}): TestLog {
  const entries = options.events ?? events;
  const logKey = generateSignerKey(ORIGIN);
  const witnessKeys = Array.from({ length: options.witnesses ?? 3 }, (_, i) =>
    generateSignerKey(`witness-${i}.test`, { type: KEY_TYPE_COSIGNATURE_V1 }),
  );
  const store = new Map<string, Uint8Array>();
  const range = new CompactRange();
  range.append(entries.map(hashEvent), (level, index, hash) =>
    store.set(`${level}/${index}`, hash),
  );
  const text = formatCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() });
  const checkpoint = (cosigners = witnessKeys.length) =>
    signNote(text, [logKey.signerKey]) +
    witnessKeys
      .slice(0, cosigners)
      .map((w) => cosign({ checkpoint: text, signerKey: w.signerKey, timestamp: 1_795_000_000 }))
      .join('');
  const hashAt = ({ level, index }: { level: number; index: number }) =>
    store.get(`${level}/${index}`)!;
  const trust = parseTrust({
    logKey: logKey.verifierKey,
    witnesses: witnessKeys.map((w) => w.verifierKey),
    origin: ORIGIN,
  });
  return {
    logKey,
    witnessKeys,
    trust,
    text,
    checkpoint,
    receipt(index, o = {}) {
      const receipt = createReceipt({
        event: structuredClone(entries[index]!),
        leafIndex: index,
        inclusionProof: proveInclusion({ index, treeSize: range.size, hashAt }) as Uint8Array[],
        checkpoint: checkpoint(o.cosigners),
      });
      if (o.treeSize !== undefined) {
        const proof = proveInclusion({ index, treeSize: o.treeSize, hashAt }) as Uint8Array[];
        receipt.treeSize = o.treeSize;
        receipt.inclusionProof = proof.map(encodeBase64);
      }
      if (o.event !== undefined) receipt.event = o.event;
      return receipt;
    },
  };
}

/** A copy of an event with some of its data replaced. */
export function withData(event: LedgerEvent, data: Record<string, unknown>): LedgerEvent {
  return structuredClone({ ...event, data: { ...event.data, ...data } }) as LedgerEvent;
}

/** The checkpoint note without the cosignature line of the witness named `name`. */
export function withoutCosignature(receipt: Receipt, name: string): Receipt {
  const lines = receipt.checkpoint.split('\n');
  return { ...receipt, checkpoint: lines.filter((l) => !l.startsWith(`— ${name} `)).join('\n') };
}

/** A donor's trace as GET /api/donations/:id/trace answers it, for the log's receipts. */
export function traceOf(log: TestLog): TraceInput {
  return {
    donation: {
      id: donationId,
      amount: 5000,
      currency: 'CNY',
      projectId,
      donor: { secret },
      receipt: log.receipt(at.donation),
    },
    allocations: [
      {
        amount: 1000,
        disbursement: { ...shown, receipt: log.receipt(at.disbursed) },
        acknowledgement: { photoUrl: `/api/files/${photo}`, receipt: log.receipt(at.acknowledged) },
      },
    ],
    unspent: 4000,
  };
}
