// A small signed and witnessed log, built with the public API only, for receipt and attack tests.
import {
  CompactRange,
  cosign,
  createReceipt,
  formatCheckpoint,
  generateSignerKey,
  hashEvent,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  proveInclusion,
  type Receipt,
  signNote,
} from '../src/index.js';

export const ORIGIN = 'goodtrace.example/log';

export function donation(i: number): LedgerEvent {
  return {
    type: 'donation.received',
    v: 1,
    at: `2026-11-26T08:${String(i % 60).padStart(2, '0')}:00Z`,
    data: {
      amount: 5000 + i,
      currency: 'CNY',
      project: `p-${i % 7}`,
      donor: `c${i}`,
      note: '捐款 ✓',
    },
  };
}

export interface TestLog {
  events: LedgerEvent[];
  logKey: { signerKey: string; verifierKey: string };
  witnessKeys: { signerKey: string; verifierKey: string }[];
  checkpointText: string;
  /** Signed by the log and cosigned by every witness. */
  signedCheckpoint: string;
  receipt(index: number, checkpoint?: string): Receipt;
}

export function makeLog(options: { size: number; witnesses: number; timestamp?: number }): TestLog {
  const events = Array.from({ length: options.size }, (_, i) => donation(i));
  const leaves = events.map(hashEvent);
  const store = new Map<string, Uint8Array>();
  const range = new CompactRange();
  range.append(leaves, (level, index, hash) => store.set(`${level}/${index}`, hash));
  const logKey = generateSignerKey(ORIGIN);
  const witnessKeys = Array.from({ length: options.witnesses }, (_, i) =>
    generateSignerKey(`witness-${i}.example`, { type: KEY_TYPE_COSIGNATURE_V1 }),
  );
  const checkpointText = formatCheckpoint({
    origin: ORIGIN,
    size: range.size,
    rootHash: range.root(),
  });
  const cosignatures = witnessKeys.map((w) =>
    cosign({
      checkpoint: checkpointText,
      signerKey: w.signerKey,
      timestamp: options.timestamp ?? 1_795_000_000,
    }),
  );
  const signedCheckpoint = signNote(checkpointText, [logKey.signerKey]) + cosignatures.join('');
  const hashAt = ({ level, index }: { level: number; index: number }) =>
    store.get(`${level}/${index}`)!;
  return {
    events,
    logKey,
    witnessKeys,
    checkpointText,
    signedCheckpoint,
    receipt: (index, checkpoint = signedCheckpoint) =>
      createReceipt({
        event: events[index]!,
        leafIndex: index,
        inclusionProof: proveInclusion({ index, treeSize: range.size, hashAt }) as Uint8Array[],
        checkpoint,
      }),
  };
}
