import type { DonationTrace } from '@goodtrace/contract';
import {
  isLedgerError,
  type LedgerErrorCode,
  type LedgerEvent,
  donorCommitment as ledgerDonorCommitment,
  parseDonorSecret,
  type TrustPolicy,
  type VerifiedReceipt,
  verifyCheckpoint,
  verifyReceipt,
} from '@goodtrace/ledger';

/**
 * What the donor's page checks in the browser before it marks a fact "verified": each fact
 * (my donation was received, part of it paid for this, the beneficiary confirmed that) comes
 * with a ledger receipt, and a fact is verified only when that receipt holds under keys the
 * page chose to trust AND its event says what the page shows. The server's JSON is never
 * taken for it. Pure functions over receipts (no DOM, no fetch) so Node tests run them on
 * receipts built with @goodtrace/ledger; the page renders the list of checks each returns.
 */

/** Whom to trust: the log's key and origin, the witnesses' keys and how many must cosign. */
export interface Trust {
  logKey: string;
  origin: string;
  witnesses: string[];
  quorum: number;
}

export type CheckName =
  | 'logSignature'
  | 'witnesses'
  | 'inclusion'
  | 'event'
  | 'donor'
  | 'allocation'
  | 'details'
  | 'acknowledgement';

/** One check made, in the order made; `vars` feed its label (sizes, counts, amounts). */
export interface Check {
  name: CheckName;
  ok: boolean;
  /** Why it failed: a LedgerError code or one of this module's (see FactReason). */
  reason?: string;
  vars?: Record<string, string | number>;
}

export type FactState =
  /** Every check passed. */
  | 'verified'
  /** No receipt yet (the event waits for the sequencer), or witnesses have yet to cosign. */
  | 'waiting'
  /** A check failed: the fact is not what the log says, or the receipt is not the log's. */
  | 'failed';

export interface FactResult {
  state: FactState;
  checks: Check[];
  /** The first failing check's reason (or why it waits). */
  reason?: string;
  leafIndex?: number;
  treeSize?: number;
}

/** This module's own failure reasons, beside the ledger's error codes. */
export type FactReason =
  | 'no_receipt'
  | 'wrong_event_type'
  | 'wrong_donation'
  | 'wrong_amount'
  | 'wrong_currency'
  | 'wrong_project'
  | 'wrong_disbursement'
  | 'allocation_missing'
  | 'details_mismatch'
  | 'commitment_mismatch'
  | 'bad_secret'
  | 'photo_mismatch'
  | 'sum_mismatch'
  | 'unverified_part'
  | 'key_mismatch';

type Data = Record<string, unknown>;

function dataOf(event: LedgerEvent): Data {
  const d = (event as { data?: unknown }).data;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Data) : {};
}

function policyOf(trust: Trust, quorum: number): TrustPolicy {
  return { logKey: trust.logKey, witnesses: trust.witnesses, quorum, origin: trust.origin };
}

/** The ledger stage a verifyReceipt error belongs to (as packages/cli reports it). */
function stageOf(code: LedgerErrorCode): 'logSignature' | 'witnesses' | 'inclusion' {
  switch (code) {
    case 'quorum_not_met':
      return 'witnesses';
    case 'root_mismatch':
    case 'tree_size_mismatch':
    case 'proof_wrong_length':
    case 'index_out_of_range':
    case 'invalid_base64':
      return 'inclusion';
    default:
      return 'logSignature';
  }
}

function reasonOf(err: unknown): string {
  if (isLedgerError(err)) return err.code;
  return 'unknown';
}

function sizeOf(receipt: unknown, key: 'treeSize' | 'leafIndex'): number | string {
  const v = (receipt as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' ? v : '?';
}

interface LogPart {
  checks: Check[];
  verified?: VerifiedReceipt;
  /** Set when the only thing missing is witness cosignatures: the fact waits, it is not false. */
  waitingForWitnesses?: boolean;
}

/**
 * The log's part of a receipt, as three checks: the checkpoint is signed by the log's key
 * (and has the trusted origin), k of the n trusted witnesses cosigned it (k ≥ quorum), and
 * the event is in that checkpoint's tree (inclusion proof to the signed root).
 */
export function verifyLogPart(receipt: unknown, trust: Trust): LogPart {
  const checks: Check[] = [];
  const n = trust.witnesses.length;
  // First the checkpoint alone (no quorum), to tell the log's signature from the witnesses.
  let cosigned = 0;
  const checkpoint = (receipt as { checkpoint?: unknown } | null)?.checkpoint;
  if (typeof checkpoint !== 'string') {
    checks.push({ name: 'logSignature', ok: false, reason: 'malformed_receipt' });
    return { checks };
  }
  try {
    const opened = verifyCheckpoint(checkpoint, policyOf(trust, 0));
    cosigned = opened.cosignatures.length;
    checks.push({ name: 'logSignature', ok: true, vars: { size: opened.checkpoint.size } });
  } catch (err) {
    checks.push({ name: 'logSignature', ok: false, reason: reasonOf(err) });
    return { checks };
  }
  if (cosigned < trust.quorum) {
    checks.push({
      name: 'witnesses',
      ok: false,
      reason: 'quorum_not_met',
      vars: { k: cosigned, n, quorum: trust.quorum },
    });
    return { checks, waitingForWitnesses: true };
  }
  checks.push({ name: 'witnesses', ok: true, vars: { k: cosigned, n, quorum: trust.quorum } });
  try {
    const verified = verifyReceipt(receipt, policyOf(trust, trust.quorum));
    checks.push({
      name: 'inclusion',
      ok: true,
      vars: { index: verified.leafIndex, size: verified.treeSize },
    });
    return { checks, verified };
  } catch (err) {
    const stage = isLedgerError(err) ? stageOf(err.code) : 'inclusion';
    checks.push({
      name: stage === 'witnesses' ? 'witnesses' : 'inclusion',
      ok: false,
      reason: reasonOf(err),
      vars: { index: sizeOf(receipt, 'leafIndex'), size: sizeOf(receipt, 'treeSize') },
    });
    return { checks };
  }
}

function result(checks: Check[], verified?: VerifiedReceipt): FactResult {
  const failed = checks.find((c) => !c.ok);
  return {
    state: failed ? 'failed' : 'verified',
    checks,
    ...(failed?.reason ? { reason: failed.reason } : {}),
    ...(verified ? { leafIndex: verified.leafIndex, treeSize: verified.treeSize } : {}),
  };
}

/** Runs the log part, then `facts` over the verified event; null receipt = waiting. */
function verifyFact(
  receipt: unknown,
  trust: Trust,
  facts: (event: LedgerEvent) => Check[],
): FactResult {
  if (receipt === null || receipt === undefined)
    return { state: 'waiting', checks: [], reason: 'no_receipt' };
  const log = verifyLogPart(receipt, trust);
  if (log.waitingForWitnesses)
    return { state: 'waiting', checks: log.checks, reason: 'quorum_not_met' };
  if (!log.verified) return result(log.checks);
  return result([...log.checks, ...facts(log.verified.event)], log.verified);
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The donor commitment of docs/money.md (packages/ledger's, as the server computes it) for a
 * secret in hex. Null when the secret is not 32 bytes of hex.
 */
export async function donorCommitment(
  secretHex: string,
  donationId: string,
): Promise<string | null> {
  const secret = parseDonorSecret(secretHex);
  return secret ? ledgerDonorCommitment(secret, donationId) : null;
}

/** Hex SHA-256 of a file, to compare an evidence file with the hash on the log. */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return hexOf(
    new Uint8Array(await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>)),
  );
}

export interface ExpectedDonation {
  donationId: string;
  amount: number;
  currency: string;
  projectId?: string;
  /** The donor's 32-byte secret in hex; with it the commitment on the log is checked too. */
  secret?: string;
}

/**
 * My donation is on the log: a `donation.received` event for this donation id, amount and
 * currency (and project), and — with the donor's secret — committed to that secret.
 */
export async function verifyDonationReceipt(
  receipt: unknown,
  trust: Trust,
  expected: ExpectedDonation,
): Promise<FactResult> {
  const fact = verifyFact(receipt, trust, (event) => [donationEventCheck(event, expected)]);
  if (fact.state !== 'verified' || expected.secret === undefined) return fact;
  const data = dataOf((receipt as { event: LedgerEvent }).event);
  const mine = await donorCommitment(expected.secret, expected.donationId);
  const donor: Check =
    mine === null
      ? { name: 'donor', ok: false, reason: 'bad_secret' }
      : typeof data.donor === 'string' && data.donor.toLowerCase() === mine
        ? { name: 'donor', ok: true }
        : { name: 'donor', ok: false, reason: 'commitment_mismatch' };
  const checks = [...fact.checks, donor];
  return { ...result(checks), leafIndex: fact.leafIndex!, treeSize: fact.treeSize! };
}

function donationEventCheck(event: LedgerEvent, e: ExpectedDonation): Check {
  const d = dataOf(event);
  const vars = { donationId: e.donationId, amount: e.amount };
  const fail = (reason: FactReason): Check => ({ name: 'event', ok: false, reason, vars });
  if (event.type !== 'donation.received') return fail('wrong_event_type');
  if (d.donationId !== e.donationId) return fail('wrong_donation');
  if (d.amount !== e.amount) return fail('wrong_amount');
  if (d.currency !== e.currency) return fail('wrong_currency');
  if (e.projectId !== undefined && d.projectId !== e.projectId) return fail('wrong_project');
  return { name: 'event', ok: true, vars };
}

/** A disbursement as the page shows it: each field shown must be the one on the log. */
export interface ShownDisbursement {
  id: string;
  projectId: string;
  amount: number;
  currency: string;
  purpose: string;
  date: string;
  budgetLine: { id: string; label: string };
  payee: { id: string; kind: string; region: string; name: string | null };
  evidence: { sha256: string }[];
}

/** Which shown field differs from the event (the first one), or null when all agree. */
function disbursementMismatch(d: Data, shown: ShownDisbursement): string | null {
  const payee = (typeof d.payee === 'object' && d.payee !== null ? d.payee : {}) as Data;
  const evidence = Array.isArray(d.evidence)
    ? d.evidence.map((x) => (x as Data | null)?.sha256)
    : [];
  const pairs: [string, unknown, unknown][] = [
    ['projectId', d.projectId, shown.projectId],
    ['amount', d.amount, shown.amount],
    ['currency', d.currency, shown.currency],
    ['purpose', d.purpose, shown.purpose],
    ['date', d.date, shown.date],
    ['budgetLine', d.budgetLineId, shown.budgetLine.id],
    ['budgetLine', d.budgetLine, shown.budgetLine.label],
    ['payee', payee.beneficiaryId, shown.payee.id],
    ['payee', payee.kind, shown.payee.kind],
    ['payee', payee.region, shown.payee.region],
    ['payee', payee.name ?? null, shown.payee.name],
    ['evidence', evidence.join(','), shown.evidence.map((e) => e.sha256).join(',')],
  ];
  for (const [field, logged, onPage] of pairs) if (logged !== onPage) return field;
  return null;
}

/**
 * Part of my donation paid for this disbursement: the receipt's event is that disbursement's
 * `funds.disbursed` (or a `funds.allocated` continuation of it), it lists {my donation id,
 * this amount}, and — on `funds.disbursed` — the purpose, amount, date, budget line, payee
 * and evidence hashes the page shows are the logged ones.
 */
export function verifyAllocationReceipt(
  receipt: unknown,
  trust: Trust,
  expected: { donationId: string; amount: number; disbursement: ShownDisbursement },
): FactResult {
  return verifyFact(receipt, trust, (event) => {
    const d = dataOf(event);
    const vars = { donationId: expected.donationId, amount: expected.amount };
    if (event.type !== 'funds.disbursed' && event.type !== 'funds.allocated')
      return [{ name: 'allocation', ok: false, reason: 'wrong_event_type', vars }];
    if (d.disbursementId !== expected.disbursement.id)
      return [{ name: 'allocation', ok: false, reason: 'wrong_disbursement', vars }];
    const allocations = Array.isArray(d.allocations) ? (d.allocations as Data[]) : [];
    const mine = allocations.filter((a) => a?.donationId === expected.donationId);
    const exact = mine.some((a) => a.amount === expected.amount);
    const checks: Check[] = [
      exact
        ? { name: 'allocation', ok: true, vars }
        : {
            name: 'allocation',
            ok: false,
            reason: mine.length > 0 ? 'wrong_amount' : 'allocation_missing',
            vars,
          },
    ];
    // A continuation event carries only allocations; the details are on the first part.
    if (event.type === 'funds.disbursed') {
      const field = disbursementMismatch(d, expected.disbursement);
      checks.push(
        field === null
          ? { name: 'details', ok: true }
          : { name: 'details', ok: false, reason: 'details_mismatch', vars: { field } },
      );
    }
    return checks;
  });
}

/**
 * The beneficiary confirmed this disbursement: a `funds.acknowledged` event naming it, with
 * the photo hash the page links to (or none when it shows none).
 */
export function verifyAcknowledgementReceipt(
  receipt: unknown,
  trust: Trust,
  expected: { disbursementId: string; photoSha256: string | null },
): FactResult {
  return verifyFact(receipt, trust, (event) => {
    const d = dataOf(event);
    if (event.type !== 'funds.acknowledged')
      return [{ name: 'acknowledgement', ok: false, reason: 'wrong_event_type' }];
    if (d.disbursementId !== expected.disbursementId)
      return [{ name: 'acknowledgement', ok: false, reason: 'wrong_disbursement' }];
    if ((d.photo ?? null) !== expected.photoSha256)
      return [{ name: 'acknowledgement', ok: false, reason: 'photo_mismatch' }];
    return [{ name: 'acknowledgement', ok: true }];
  });
}

/** The SHA-256 a file URL names (/api/files/:sha256), or null. */
export function sha256OfFileUrl(url: string | null): string | null {
  if (!url) return null;
  const m = /\/api\/files\/([0-9a-f]{64})$/.exec(url);
  return m ? m[1]! : null;
}

/**
 * The keys this page trusts, from what the server publishes: GET /log/key and GET /api/log
 * must name the same log key (as `goodtrace verify --log-url` requires). As many witnesses
 * must have cosigned as the server's k-of-n policy says (its receipts wait for that many);
 * every configured one when it names no quorum, or one beyond the witnesses it lists.
 */
export function trustFrom(
  logKey: string,
  info: {
    origin: string;
    verifierKey: string;
    witnesses: { verifierKey: string }[];
    quorum?: number;
  },
): Trust | { error: 'key_mismatch' } {
  if (logKey.trim() !== info.verifierKey) return { error: 'key_mismatch' };
  const witnesses = info.witnesses.map((w) => w.verifierKey);
  const q = info.quorum;
  const quorum =
    typeof q === 'number' && Number.isInteger(q) && q >= 0 && q <= witnesses.length
      ? q
      : witnesses.length;
  return { logKey: info.verifierKey, origin: info.origin, witnesses, quorum };
}

export interface TraceFacts {
  donation: FactResult;
  allocations: { allocation: FactResult; acknowledgement: FactResult | null }[];
  /**
   * The unspent remainder: verified when the donation and every allocation are, and the
   * donation's logged amount less the logged allocations is the remainder shown.
   */
  unspent: FactResult;
}

/** Every fact of a donor's trace checked against the log under `trust`. */
export async function verifyTrace(trace: DonationTrace, trust: Trust): Promise<TraceFacts> {
  const d = trace.donation;
  const donation = await verifyDonationReceipt(d.receipt, trust, {
    donationId: d.id,
    amount: d.amount,
    currency: d.currency,
    projectId: d.projectId,
    secret: d.donor.secret,
  });
  const allocations = trace.allocations.map((a) => ({
    allocation: verifyAllocationReceipt(a.disbursement.receipt, trust, {
      donationId: d.id,
      amount: a.amount,
      disbursement: a.disbursement,
    }),
    acknowledgement: a.acknowledgement
      ? verifyAcknowledgementReceipt(a.acknowledgement.receipt, trust, {
          disbursementId: a.disbursement.id,
          photoSha256: sha256OfFileUrl(a.acknowledgement.photoUrl),
        })
      : null,
  }));
  const parts = [donation, ...allocations.map((a) => a.allocation)];
  const allocated = trace.allocations.reduce((sum, a) => sum + a.amount, 0);
  let unspent: FactResult;
  if (parts.some((p) => p.state === 'failed'))
    unspent = { state: 'failed', checks: [], reason: 'unverified_part' };
  else if (parts.some((p) => p.state === 'waiting'))
    unspent = { state: 'waiting', checks: [], reason: 'no_receipt' };
  else if (d.amount - allocated !== trace.unspent)
    unspent = { state: 'failed', checks: [], reason: 'sum_mismatch' };
  else unspent = { state: 'verified', checks: [] };
  return { donation, allocations, unspent };
}

/** Every fact failed for one reason (the page could not decide whom to trust). */
export function failAll(trace: DonationTrace, reason: string): TraceFacts {
  const failed: FactResult = { state: 'failed', checks: [], reason };
  return {
    donation: failed,
    allocations: trace.allocations.map((a) => ({
      allocation: failed,
      acknowledgement: a.acknowledgement ? failed : null,
    })),
    unspent: failed,
  };
}
