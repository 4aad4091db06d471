// Verifying a receipt file the way a donor or an auditor would: offline, with nothing but
// @goodtrace/ledger and keys the reader chose to trust, reporting every check it made.
//
// verifyReceipt is the only judge of the log's part (signature, witnesses, inclusion); this
// module adds the donor's part (the commitment on a donation.received event) and turns the
// outcome into a list of checks a person can read.

import {
  encodeBase64,
  isLedgerError,
  type LedgerErrorCode,
  type LedgerEvent,
  donorCommitment as ledgerDonorCommitment,
  parseDonorSecret,
  parseVerifierKey,
  type TrustPolicy,
  type VerifiedCheckpoint,
  type VerifiedReceipt,
  verifyCheckpoint,
  verifyReceipt,
} from '@goodtrace/ledger';
import { describeEvent } from './format.js';

/** The donor's proof that a donation is theirs, as the donor's receipt download holds it. */
export interface DonorProof {
  /** The 32-byte secret, hex. */
  secret: string;
  donationId: string;
}

/** One check, in the order made. */
export interface Check {
  ok: boolean;
  /** What was checked, e.g. "inclusion of leaf 41 in tree 1000". */
  label: string;
  /** Why it failed, or what it found. */
  detail?: string;
}

export interface ReceiptVerification {
  valid: boolean;
  checks: Check[];
  /** The stable code of the first failure (a LedgerError code, or one of this module's). */
  failure?: { code: string; message: string };
  /** What the ledger verified, when it did. */
  verified?: VerifiedReceipt;
}

/** Trust as the command line gives it: key strings, quorum and origin. */
export interface Trust {
  logKey: string;
  witnesses: string[];
  quorum: number;
  origin?: string;
}

/**
 * The donor commitment of docs/money.md (packages/ledger's donorCommitment) for a secret given
 * in hex, as receipt files carry it.
 */
export function donorCommitment(secretHex: string, donationId: string): string {
  const secret = parseDonorSecret(secretHex);
  if (!secret) throw new TypeError('the donor secret must be 32 bytes in hex (64 hex digits)');
  return ledgerDonorCommitment(secret, donationId);
}

/**
 * Splits a receipt file into the ledger receipt and the optional donor proof. A file is either a
 * bare receipt or `{ receipt, donor?: { secret, donationId } }`. Throws a TypeError that says
 * what is wrong.
 */
export function readReceiptDocument(document: unknown): { receipt: unknown; donor?: DonorProof } {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new TypeError('a receipt file holds a JSON object');
  }
  const doc = document as Record<string, unknown>;
  if (!('receipt' in doc)) return { receipt: document };
  const extra = Object.keys(doc).filter((k) => k !== 'receipt' && k !== 'donor');
  if (extra.length > 0) throw new TypeError(`unexpected member ${extra[0]} beside receipt`);
  if (doc.donor === undefined) return { receipt: doc.receipt };
  const donor = doc.donor as Partial<DonorProof> | null;
  if (
    typeof donor !== 'object' ||
    donor === null ||
    typeof donor.secret !== 'string' ||
    typeof donor.donationId !== 'string' ||
    donor.donationId === ''
  ) {
    throw new TypeError('donor must be { "secret": "<hex>", "donationId": "<id>" }');
  }
  if (!parseDonorSecret(donor.secret)) {
    throw new TypeError('donor.secret must be 32 bytes in hex (64 hex digits)');
  }
  return { receipt: doc.receipt, donor: { secret: donor.secret, donationId: donor.donationId } };
}

type Stage = 'file' | 'checkpoint' | 'origin' | 'witnesses' | 'inclusion';

/** Which check a LedgerError from verifyReceipt belongs to. */
function stageOf(code: LedgerErrorCode): Stage {
  switch (code) {
    case 'log_signature_missing':
    case 'invalid_signature':
    case 'no_verifiable_signature':
    case 'duplicate_signature':
    case 'malformed_note':
    case 'malformed_checkpoint':
      return 'checkpoint';
    case 'origin_mismatch':
      return 'origin';
    case 'quorum_not_met':
      return 'witnesses';
    case 'root_mismatch':
    case 'tree_size_mismatch':
    case 'proof_wrong_length':
    case 'index_out_of_range':
    case 'invalid_base64':
      return 'inclusion';
    default:
      return 'file';
  }
}

function keyName(key: string): string {
  try {
    return parseVerifierKey(key).name;
  } catch {
    return key;
  }
}

function witnessLabel(trust: Trust): string {
  return `${trust.quorum} of ${trust.witnesses.length} witness cosignatures`;
}

/** The ✓ lines for a checkpoint that verified under the policy. */
function checkpointChecks(v: VerifiedCheckpoint, trust: Trust): Check[] {
  const checks: Check[] = [
    {
      ok: true,
      label: `log signature by ${v.logSignature.name}`,
      detail: `key ID ${v.logSignature.keyId.toString(16).padStart(8, '0')}`,
    },
  ];
  if (trust.origin !== undefined) {
    checks.push({ ok: true, label: `checkpoint origin ${v.checkpoint.origin}` });
  }
  const names = v.cosignatures.map((c) => c.name);
  checks.push({
    ok: true,
    label: `${v.cosignatures.length} of ${trust.witnesses.length} witness cosignatures`,
    detail:
      trust.witnesses.length === 0
        ? 'no witness trusted'
        : `quorum ${trust.quorum}${names.length ? `: ${names.join(', ')}` : ''}`,
  });
  return checks;
}

function receiptPosition(receipt: unknown): { leafIndex: unknown; treeSize: unknown } {
  const r = (typeof receipt === 'object' && receipt !== null ? receipt : {}) as Record<
    string,
    unknown
  >;
  return { leafIndex: r.leafIndex, treeSize: r.treeSize };
}

function failedCheck(stage: Stage, trust: Trust, receipt: unknown, message: string): Check {
  const { leafIndex, treeSize } = receiptPosition(receipt);
  const label = {
    file: 'receipt file',
    checkpoint: `checkpoint signed by the log key ${keyName(trust.logKey)}`,
    origin: `checkpoint origin ${trust.origin}`,
    witnesses: witnessLabel(trust),
    inclusion: `inclusion of leaf ${leafIndex} in tree ${treeSize}`,
  }[stage];
  const why =
    stage === 'inclusion' && message.includes('checkpoint root')
      ? `${message} (the event or the proof was altered, or the receipt is from another log)`
      : message;
  return { ok: false, label, detail: why };
}

/** The donor's check: this is a donation.received event for that donation, committed to that secret. */
function donorCheck(event: LedgerEvent, donor: DonorProof): Check {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const label = `donor commitment for donation ${donor.donationId}`;
  if (event.type !== 'donation.received') {
    return { ok: false, label, detail: `the event is ${event.type}, not donation.received` };
  }
  if (data.donationId !== donor.donationId) {
    return {
      ok: false,
      label,
      detail: `the receipt is for donation ${String(data.donationId)}, not ${donor.donationId}`,
    };
  }
  const expected = donorCommitment(donor.secret, donor.donationId);
  if (typeof data.donor !== 'string' || data.donor.toLowerCase() !== expected) {
    return {
      ok: false,
      label,
      detail: 'the event does not commit to this secret: the donation is not proven to be yours',
    };
  }
  return { ok: true, label, detail: 'SHA-256(secret ‖ donation id) matches the logged donor' };
}

/**
 * Verifies a receipt file (parsed JSON) under the given trust. Never throws for a bad receipt:
 * the answer says which check failed. Key strings must parse (check them first; a bad key is
 * the caller's mistake, not the receipt's).
 */
export function verifyReceiptDocument(document: unknown, trust: Trust): ReceiptVerification {
  const checks: Check[] = [];
  let doc: { receipt: unknown; donor?: DonorProof };
  try {
    doc = readReceiptDocument(document);
  } catch (e) {
    const message = (e as Error).message;
    checks.push({ ok: false, label: 'receipt file', detail: message });
    return { valid: false, checks, failure: { code: 'malformed_receipt', message } };
  }
  const policy: TrustPolicy = {
    logKey: trust.logKey,
    witnesses: trust.witnesses,
    quorum: trust.quorum,
    ...(trust.origin !== undefined ? { origin: trust.origin } : {}),
  };
  let verified: VerifiedReceipt;
  try {
    verified = verifyReceipt(doc.receipt, policy);
  } catch (e) {
    if (!isLedgerError(e)) throw e;
    const stage = stageOf(e.code);
    if (stage === 'inclusion') {
      // The proof failed; show whether the checkpoint itself holds (it may fail first).
      try {
        const checkpoint = (doc.receipt as { checkpoint: unknown }).checkpoint;
        checks.push(...checkpointChecks(verifyCheckpoint(checkpoint as string, policy), trust));
      } catch (inner) {
        if (isLedgerError(inner)) {
          checks.push(failedCheck(stageOf(inner.code), trust, doc.receipt, inner.message));
          return { valid: false, checks, failure: { code: inner.code, message: inner.message } };
        }
        throw inner;
      }
    } else if (stage === 'witnesses' || stage === 'origin') {
      // verifyCheckpoint checks the log's signature, then the origin, then the quorum.
      checks.push({ ok: true, label: `log signature by ${keyName(trust.logKey)}` });
      if (stage === 'witnesses' && trust.origin !== undefined) {
        checks.push({ ok: true, label: `checkpoint origin ${trust.origin}` });
      }
    }
    checks.push(failedCheck(stage, trust, doc.receipt, e.message));
    return { valid: false, checks, failure: { code: e.code, message: e.message } };
  }
  checks.push(...checkpointChecks(verified, trust));
  checks.push({
    ok: true,
    label: `inclusion of leaf ${verified.leafIndex} in tree ${verified.treeSize}`,
    detail: `leaf hash ${encodeBase64(verified.leafHash)}, root ${encodeBase64(verified.checkpoint.rootHash)}`,
  });
  checks.push({ ok: true, label: `event ${describeEvent(verified.event)}` });
  if (doc.donor !== undefined) {
    const donor = donorCheck(verified.event, doc.donor);
    checks.push(donor);
    if (!donor.ok) {
      return {
        valid: false,
        checks,
        verified,
        failure: { code: 'donor_mismatch', message: donor.detail! },
      };
    }
  }
  return { valid: true, checks, verified };
}
