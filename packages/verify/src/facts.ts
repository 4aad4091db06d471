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

import type { EventData, EventOf, EventType, Unchecked } from '@goodtrace/contract';
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

// Events are read by the contract's names (@goodtrace/contract's events.ts), as types only: the
// contract's schemas (and TypeBox) stay out of this package and of the browser's bundle, and a
// member the contract renames fails this package's build.

/** The events a donor's facts are read from. */
type Read = Extract<
  EventType,
  'donation.received' | 'funds.disbursed' | 'funds.allocated' | 'funds.acknowledged'
>;

/**
 * The versions of each event read here. Each must be one the contract declares, and each the
 * contract declares must be listed (`allRead` below): a new version fails this package's build
 * until it is read here too, since a verifier must not vouch for what it was not taught to read.
 * (The contract's EVENT_VERSIONS holds the same at run time; importing it would bring TypeBox.)
 */
const VERSIONS = {
  'donation.received': [1],
  'funds.disbursed': [1],
  'funds.allocated': [1],
  'funds.acknowledged': [1],
} as const satisfies { readonly [T in Read]: readonly EventOf<T>['v'][] };
type Unread = { [T in Read]: Exclude<EventOf<T>['v'], (typeof VERSIONS)[T][number]> }[Read];
const allRead: [Unread] extends [never] ? true : never = true;
void allRead;

/** An event's data as the contract names its members, none of them trusted yet. */
type Data<T extends Read> = Unchecked<EventData<T>>;
/** A member of a list in an event's data (an allocation, an evidence file…), likewise. */
type Item<L> = L extends readonly (infer I)[] ? Unchecked<I> : never;

/**
 * The event's data when it is a `type` event of a version read here, else null. Read
 * defensively: the event is whatever the network delivered, so its members are checked as read.
 */
function dataOf<T extends Read>(event: LedgerEvent, type: T): Data<T> | null {
  if (event.type !== type || !(VERSIONS[type] as readonly number[]).includes(event.v)) return null;
  const d = (event as { data?: unknown }).data;
  return (typeof d === 'object' && d !== null && !Array.isArray(d) ? d : {}) as Data<T>;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
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
  const d = dataOf(event, 'donation.received');
  // What the label shows: the expected values, else the logged ones the proof vouches for.
  const amount = e.amount ?? d?.amount;
  const currency = e.currency ?? d?.currency;
  const vars = {
    donationId: e.donationId,
    ...(typeof amount === 'number' ? { amount } : {}),
    ...(typeof currency === 'string' ? { currency } : {}),
  };
  const wrong = (reason: FactReason) => fail('event', reason, vars);
  if (d === null) return wrong('wrong_event_type');
  if (d.donationId !== e.donationId) return wrong('wrong_donation');
  if (e.amount !== undefined && d.amount !== e.amount) return wrong('wrong_amount');
  if (e.currency !== undefined && d.currency !== e.currency) return wrong('wrong_currency');
  if (e.projectId !== undefined && d.projectId !== e.projectId) return wrong('wrong_project');
  return pass('event', vars);
}

function donorCheck(event: LedgerEvent, donationId: string, secretHex: string): Check {
  const secret = parseDonorSecret(secretHex);
  if (!secret) return fail('donor', 'bad_secret', { donationId });
  const logged = dataOf(event, 'donation.received')?.donor;
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
function disbursementMismatch(d: Data<'funds.disbursed'>, shown: ShownDisbursement): string | null {
  const payee = (isObject(d.payee) ? d.payee : {}) as Unchecked<
    EventData<'funds.disbursed'>['payee']
  >;
  const evidence = Array.isArray(d.evidence)
    ? d.evidence.map((x: unknown) =>
        isObject(x) ? (x as Item<EventData<'funds.disbursed'>['evidence']>).sha256 : undefined,
      )
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
    const first = dataOf(event, 'funds.disbursed');
    const d = first ?? dataOf(event, 'funds.allocated');
    const vars = { donationId: expected.donationId, amount: expected.amount };
    if (d === null) return [fail('allocation', 'wrong_event_type', vars)];
    if (d.disbursementId !== expected.disbursement.id)
      return [fail('allocation', 'wrong_disbursement', vars)];
    const allocations: Item<EventData<'funds.disbursed' | 'funds.allocated'>['allocations']>[] =
      Array.isArray(d.allocations) ? d.allocations.filter(isObject) : [];
    const mine = allocations.filter((a) => a.donationId === expected.donationId);
    const checks: Check[] = [
      mine.some((a) => a.amount === expected.amount)
        ? pass('allocation', vars)
        : fail('allocation', mine.length > 0 ? 'wrong_amount' : 'allocation_missing', vars),
    ];
    // A continuation event carries only allocations; the details are on the first part.
    if (first !== null) {
      const field = disbursementMismatch(first, expected.disbursement);
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
    const d = dataOf(event, 'funds.acknowledged');
    if (d === null) return [fail('acknowledgement', 'wrong_event_type')];
    if (d.disbursementId !== expected.disbursementId)
      return [fail('acknowledgement', 'wrong_disbursement')];
    if ((d.photo ?? null) !== expected.photoSha256)
      return [fail('acknowledgement', 'photo_mismatch')];
    return [pass('acknowledgement')];
  });
}
