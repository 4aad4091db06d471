// A donor's trace — donation → the disbursements it paid for → the beneficiaries'
// confirmations → what is left — with every fact checked against the log. The input is what
// GET /api/donations/:id/trace answers, read structurally: only the members checked here.

import {
  type ShownDisbursement,
  verifyAcknowledgement,
  verifyAllocation,
  verifyDonation,
} from './facts.js';
import { type FactResult, factOf, factWithoutChecks, fail, pass, type Reason } from './result.js';
import type { Trust } from './trust.js';

/** The parts of a donor's trace that are checked. */
export interface TraceInput {
  donation: {
    id: string;
    amount: number;
    currency: string;
    projectId: string;
    donor: { secret: string };
    /** The donation's receipt, or null while its event waits for the sequencer. */
    receipt: unknown;
  };
  allocations: readonly {
    amount: number;
    disbursement: ShownDisbursement & { receipt: unknown };
    acknowledgement: { photoUrl: string | null; receipt: unknown } | null;
  }[];
  /** What the page says is left of the donation. */
  unspent: number;
}

export interface TraceFacts {
  donation: FactResult;
  allocations: { allocation: FactResult; acknowledgement: FactResult | null }[];
  /**
   * What is left: verified when the donation and every allocation are, and the logged
   * donation less the logged allocations is the amount shown.
   */
  unspent: FactResult;
}

/** The SHA-256 a file URL names (/api/files/:sha256), or null. */
export function sha256OfFileUrl(url: string | null): string | null {
  if (!url) return null;
  const m = /\/api\/files\/([0-9a-f]{64})$/.exec(url);
  return m ? m[1]! : null;
}

/** Every fact of a donor's trace, checked against the log under `trust`. */
export function verifyTrace(trace: TraceInput, trust: Trust): TraceFacts {
  const d = trace.donation;
  const donation = verifyDonation(d.receipt, trust, {
    donationId: d.id,
    amount: d.amount,
    currency: d.currency,
    projectId: d.projectId,
    secret: d.donor.secret,
  });
  const allocations = trace.allocations.map((a) => ({
    allocation: verifyAllocation(a.disbursement.receipt, trust, {
      donationId: d.id,
      amount: a.amount,
      disbursement: a.disbursement,
    }),
    acknowledgement: a.acknowledgement
      ? verifyAcknowledgement(a.acknowledgement.receipt, trust, {
          disbursementId: a.disbursement.id,
          photoSha256: sha256OfFileUrl(a.acknowledgement.photoUrl),
        })
      : null,
  }));
  const parts = [donation, ...allocations.map((a) => a.allocation)];
  let unspent: FactResult;
  const waiting = parts.find((p) => p.state === 'waiting');
  if (parts.some((p) => p.state === 'failed')) {
    unspent = factWithoutChecks('failed', 'unverified_part');
  } else if (waiting) {
    unspent = factWithoutChecks('waiting', waiting.reason!);
  } else {
    // Every amount below was just checked against its event: the donation's and each allocation's.
    const allocated = trace.allocations.reduce((sum, a) => sum + a.amount, 0);
    const vars = { donated: d.amount, allocated, amount: trace.unspent };
    unspent = factOf([
      d.amount - allocated === trace.unspent
        ? pass('unspent', vars)
        : fail('unspent', 'sum_mismatch', vars),
    ]);
  }
  return { donation, allocations, unspent };
}

/** Every fact of a trace failed for one reason (the page could not decide whom to trust). */
export function failTrace(trace: Pick<TraceInput, 'allocations'>, reason: Reason): TraceFacts {
  const failed = factWithoutChecks('failed', reason);
  return {
    donation: failed,
    allocations: trace.allocations.map((a) => ({
      allocation: failed,
      acknowledgement: a.acknowledgement ? failed : null,
    })),
    unspent: failed,
  };
}
