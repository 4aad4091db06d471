// The facts a donor is shown, each checked against the event its receipt proves is on the log
// (docs/money.md's events): a fact is verified only when the receipt's log part holds under the
// trust AND its event says what is shown. What the server's JSON says beside the receipt is
// never taken for it.
//
//   donation.received    my donation: its id, amount, currency, project; with the donor's
//                        secret, the commitment hex(SHA-256(secret ‖ utf8(donation id)))
//   funds.disbursed      part of my donation paid for this: the allocation {donation id,
//   funds.allocated      amount}, and on funds.disbursed every detail the page shows
//   funds.acknowledged   the beneficiary confirmed this disbursement, with this photo

import { donorCommitment, type LedgerEvent, parseDonorSecret } from '@goodtrace/ledger';
import { verifyLogPart } from './log-part.js';
import {
  type Check,
  type FactReason,
  type FactResult,
  factOf,
  factWithoutChecks,
  fail,
  pass,
} from './result.js';
import type { Trust } from './trust.js';

type Data = Record<string, unknown>;

/** An event's data, read defensively: the event is whatever the network delivered. */
function dataOf(event: LedgerEvent): Data {
  const d = (event as { data?: unknown }).data;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Data) : {};
}

/**
 * The log part, then `facts` over the event it proved. No receipt yet (null) waits. The facts
 * are checked even while witnesses are missing: a fact the log contradicts fails at once.
 */
function verifyFact(
  receipt: unknown,
  trust: Trust,
  facts: (event: LedgerEvent) => Check[],
): FactResult {
  if (receipt === null || receipt === undefined) return factWithoutChecks('waiting', 'no_receipt');
  const log = verifyLogPart(receipt, trust);
  if (!log.entry) return factOf(log.checks);
  return factOf([...log.checks, ...facts(log.entry.event)], log.entry);
}

/**
 * The receipt's event is on the log, whatever it says: the log part alone. For a receipt read
 * with no expectation of its own (a bare receipt file); the caller shows `entry.event`.
 */
export function verifyEntry(receipt: unknown, trust: Trust): FactResult {
  return verifyFact(receipt, trust, () => []);
}

/** What is known of a donation before its receipt is checked. */
export interface ExpectedDonation {
  donationId: string;
  /** In minor units (fen); checked when given. */
  amount?: number;
  currency?: string;
  projectId?: string;
  /** The donor's 32-byte secret in hex; with it, the commitment on the log is checked too. */
  secret?: string;
}

function donationEventCheck(event: LedgerEvent, e: ExpectedDonation): Check {
  const d = dataOf(event);
  // What the label shows: the expected values, else the logged ones the proof vouches for.
  const amount = e.amount ?? d.amount;
  const currency = e.currency ?? d.currency;
  const vars = {
    donationId: e.donationId,
    ...(typeof amount === 'number' ? { amount } : {}),
    ...(typeof currency === 'string' ? { currency } : {}),
  };
  const wrong = (reason: FactReason) => fail('event', reason, vars);
  if (event.type !== 'donation.received') return wrong('wrong_event_type');
  if (d.donationId !== e.donationId) return wrong('wrong_donation');
  if (e.amount !== undefined && d.amount !== e.amount) return wrong('wrong_amount');
  if (e.currency !== undefined && d.currency !== e.currency) return wrong('wrong_currency');
  if (e.projectId !== undefined && d.projectId !== e.projectId) return wrong('wrong_project');
  return pass('event', vars);
}

function donorCheck(event: LedgerEvent, donationId: string, secretHex: string): Check {
  const secret = parseDonorSecret(secretHex);
  if (!secret) return fail('donor', 'bad_secret', { donationId });
  const logged = dataOf(event).donor;
  const mine = donorCommitment(secret, donationId);
  return typeof logged === 'string' && logged.toLowerCase() === mine
    ? pass('donor', { donationId })
    : fail('donor', 'commitment_mismatch', { donationId });
}

/**
 * My donation is on the log: a `donation.received` event for this donation id (and amount,
 * currency and project, when given), and — with the donor's secret — committed to that secret.
 */
export function verifyDonation(
  receipt: unknown,
  trust: Trust,
  expected: ExpectedDonation,
): FactResult {
  return verifyFact(receipt, trust, (event) => {
    const checks = [donationEventCheck(event, expected)];
    if (expected.secret !== undefined) {
      checks.push(donorCheck(event, expected.donationId, expected.secret));
    }
    return checks;
  });
}

/** A disbursement as a page shows it: each field shown must be the logged one. */
export interface ShownDisbursement {
  id: string;
  projectId: string;
  amount: number;
  currency: string;
  purpose: string;
  /** The day it was paid (YYYY-MM-DD). */
  date: string;
  budgetLine: { id: string; label: string };
  payee: { id: string; kind: string; region: string; name: string | null };
  evidence: readonly { sha256: string }[];
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

export interface ExpectedAllocation {
  donationId: string;
  /** The part of the donation this disbursement used, in minor units. */
  amount: number;
  disbursement: ShownDisbursement;
}

/**
 * Part of my donation paid for this disbursement: the receipt's event is that disbursement's
 * `funds.disbursed` (or a `funds.allocated` continuation of it), it lists {my donation id, this
 * amount}, and — on `funds.disbursed` — the purpose, amount, date, budget line, payee and
 * evidence hashes shown are the logged ones.
 */
export function verifyAllocation(
  receipt: unknown,
  trust: Trust,
  expected: ExpectedAllocation,
): FactResult {
  return verifyFact(receipt, trust, (event) => {
    const d = dataOf(event);
    const vars = { donationId: expected.donationId, amount: expected.amount };
    if (event.type !== 'funds.disbursed' && event.type !== 'funds.allocated')
      return [fail('allocation', 'wrong_event_type', vars)];
    if (d.disbursementId !== expected.disbursement.id)
      return [fail('allocation', 'wrong_disbursement', vars)];
    const allocations = Array.isArray(d.allocations) ? (d.allocations as (Data | null)[]) : [];
    const mine = allocations.filter((a) => a?.donationId === expected.donationId);
    const checks: Check[] = [
      mine.some((a) => a?.amount === expected.amount)
        ? pass('allocation', vars)
        : fail('allocation', mine.length > 0 ? 'wrong_amount' : 'allocation_missing', vars),
    ];
    // A continuation event carries only allocations; the details are on the first part.
    if (event.type === 'funds.disbursed') {
      const field = disbursementMismatch(d, expected.disbursement);
      checks.push(
        field === null ? pass('details') : fail('details', 'details_mismatch', { field }),
      );
    }
    return checks;
  });
}

export interface ExpectedAcknowledgement {
  disbursementId: string;
  /** The hex SHA-256 of the photo shown, or null when none is. */
  photoSha256: string | null;
}

/**
 * The beneficiary confirmed this disbursement: a `funds.acknowledged` event naming it, with the
 * photo hash shown (or none when none is shown).
 */
export function verifyAcknowledgement(
  receipt: unknown,
  trust: Trust,
  expected: ExpectedAcknowledgement,
): FactResult {
  return verifyFact(receipt, trust, (event) => {
    const d = dataOf(event);
    if (event.type !== 'funds.acknowledged') return [fail('acknowledgement', 'wrong_event_type')];
    if (d.disbursementId !== expected.disbursementId)
      return [fail('acknowledgement', 'wrong_disbursement')];
    if ((d.photo ?? null) !== expected.photoSha256)
      return [fail('acknowledgement', 'photo_mismatch')];
    return [pass('acknowledgement')];
  });
}
