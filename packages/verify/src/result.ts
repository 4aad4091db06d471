// What a verification answers: the checks made, in order, each with a stable name, and when it
// failed a stable reason code and the numbers or words its message needs; then the fact's
// state. Renderers (the web's i18n labels, the CLI's English lines) map names and reasons to
// words; nothing here is prose meant for a person except a LedgerError's own message.

import type { LedgerErrorCode, VerifiedReceipt } from '@goodtrace/ledger';
import type { VerifyErrorCode } from './errors.js';

/** Every check this package makes, in the order a result lists them. */
export const CHECK_NAMES = [
  /** The receipt (or receipt file) is of the receipt's shape. */
  'receipt',
  /** The checkpoint carries a valid signature by the trusted log key. */
  'logSignature',
  /** The checkpoint's origin line is the trusted log's (only when the trust names an origin). */
  'origin',
  /** At least `quorum` of the `n` trusted witnesses cosigned the checkpoint, and none falsely. */
  'witnesses',
  /** The event is the leaf at `index` of the checkpoint's tree (inclusion proof to its root). */
  'inclusion',
  /** The event is this donation's `donation.received`, with the amount, currency and project shown. */
  'event',
  /** The event's donor commitment is SHA-256(the donor's secret ‖ donation id). */
  'donor',
  /** The disbursement's event lists this donation with this amount. */
  'allocation',
  /** The disbursement's purpose, amount, date, budget line, payee and evidence are the logged ones. */
  'details',
  /** The beneficiary's confirmation names this disbursement and the photo shown. */
  'acknowledgement',
  /** The logged donation less its logged allocations is the unspent amount shown. */
  'unspent',
] as const;

export type CheckName = (typeof CHECK_NAMES)[number];

/** This package's reasons for a failed fact, beside the ledger's error codes. */
export const FACT_REASONS = [
  /** No receipt yet: the event waits for the sequencer (the fact is `waiting`). */
  'no_receipt',
  /** The receipt's event is of another type than the fact's. */
  'wrong_event_type',
  /** The receipt is another donation's. */
  'wrong_donation',
  /** The logged amount is not the one shown. */
  'wrong_amount',
  /** The logged currency is not the one shown. */
  'wrong_currency',
  /** The logged project is not the one shown. */
  'wrong_project',
  /** The receipt is another disbursement's. */
  'wrong_disbursement',
  /** The disbursement does not list this donation. */
  'allocation_missing',
  /** A detail shown differs from the logged one (`field` names it). */
  'details_mismatch',
  /** The donor's secret is not 32 bytes of hex. */
  'bad_secret',
  /** The logged donor commitment is not the secret's. */
  'commitment_mismatch',
  /** The photo shown is not the one the confirmation logged. */
  'photo_mismatch',
  /** The logged donation less the logged allocations is not the unspent amount shown. */
  'sum_mismatch',
  /** A fact this one is computed from did not verify. */
  'unverified_part',
] as const;

export type FactReason = (typeof FACT_REASONS)[number];

/**
 * Why a check failed: a LedgerError code (the receipt's log part), one of this package's fact
 * reasons, or a VerifyError code (when a whole fact fails because the trust could not be set).
 */
export type Reason = LedgerErrorCode | FactReason | VerifyErrorCode;

/** Numbers and words a check's label or reason needs: sizes, counts, amounts, names. */
export type Vars = Readonly<Record<string, string | number>>;

/** One check made, in the order made: passed, or failed with a reason. */
export type Check =
  | { name: CheckName; ok: true; vars?: Vars; reason?: undefined; message?: undefined }
  | {
      name: CheckName;
      ok: false;
      reason: Reason;
      vars?: Vars;
      /** The ledger's own explanation of a failure (English), for a log or a command line. */
      message?: string;
    };

/** A passed check. */
export function pass(name: CheckName, vars?: Vars): Check {
  return vars === undefined ? { name, ok: true } : { name, ok: true, vars };
}

/** A failed check. */
export function fail(name: CheckName, reason: Reason, vars?: Vars, message?: string): Check {
  return {
    name,
    ok: false,
    reason,
    ...(vars === undefined ? {} : { vars }),
    ...(message === undefined ? {} : { message }),
  };
}

export type FactState =
  /** Every check passed. */
  | 'verified'
  /** No receipt yet, or fewer witnesses than the quorum have cosigned: nothing failed. */
  | 'waiting'
  /** A check failed: the fact is not what the log says, or the receipt is not the log's. */
  | 'failed';

interface Outcome {
  checks: Check[];
  /**
   * The entry the receipt proves is in the tree signed by the trusted log key — present once
   * the log's signature, the origin and the inclusion held, whatever the witnesses and the facts
   * say. Only `state === 'verified'` is a verdict.
   */
  entry?: VerifiedReceipt;
}

/** A fact's verification: verified, or waiting or failed with the first reason. */
export type FactResult =
  | (Outcome & { state: 'verified'; reason?: undefined })
  | (Outcome & { state: 'waiting' | 'failed'; reason: Reason });

/**
 * The reasons that make a fact wait rather than fail: the checkpoint is genuine but not yet
 * cosigned by enough witnesses. A newer receipt will carry more cosignatures; nothing shown
 * is contradicted. (A checkpoint signed with a stolen log key would wait forever: it is never
 * verified.)
 */
const WAITING: ReadonlySet<Reason> = new Set<Reason>(['quorum_not_met']);

/** The fact a list of checks makes: failed on any failure, else waiting, else verified. */
export function factOf(checks: Check[], entry?: VerifiedReceipt): FactResult {
  const withEntry = entry === undefined ? {} : { entry };
  const failed = checks.find((c) => !c.ok && !WAITING.has(c.reason));
  if (failed?.reason) return { state: 'failed', reason: failed.reason, checks, ...withEntry };
  const waiting = checks.find((c) => !c.ok);
  if (waiting?.reason) return { state: 'waiting', reason: waiting.reason, checks, ...withEntry };
  return { state: 'verified', checks, ...withEntry };
}

/** A fact decided before any check could be made (no receipt yet, no trust). */
export function factWithoutChecks(state: 'waiting' | 'failed', reason: Reason): FactResult {
  return { state, reason, checks: [] };
}
