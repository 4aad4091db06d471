import type {
  BudgetLineRef,
  DonationReceived,
  DonationRefunded,
  EventAllocation,
  FindingAnswered,
  FindingClosed,
  FindingFiled,
  FundsAcknowledged,
  FundsAllocated,
  FundsDisbursed,
  OrgVerified,
  ProjectBudgetChanged,
  ProjectPublished,
} from '@goodtrace/contract';

/**
 * The events Goodtrace puts on its log, one builder per type, so every writer produces the
 * same shape: the contract's (@goodtrace/contract events.ts), which the books, the web app and
 * the CLI read. Events carry no personal data: organisations appear by their public
 * registration, people never by name or email.
 */
export function orgVerifiedEvent(
  org: { id: string; name: string; registration_number: string; city: string; cause: string },
  at: Date,
): OrgVerified {
  return {
    type: 'org.verified',
    v: 1,
    at: at.toISOString(),
    data: {
      orgId: org.id,
      name: org.name,
      registrationNumber: org.registration_number,
      city: org.city,
      cause: org.cause,
    },
  };
}

export type { BudgetLineRef };

export function projectPublishedEvent(
  p: {
    id: string;
    orgId: string;
    title: string;
    cause: string;
    city: string;
    goal: number;
    currency: string;
    budget: BudgetLineRef[];
    startDate: string;
    endDate: string;
  },
  at: Date,
): ProjectPublished {
  return {
    type: 'project.published',
    v: 1,
    at: at.toISOString(),
    data: {
      projectId: p.id,
      orgId: p.orgId,
      title: p.title,
      cause: p.cause,
      city: p.city,
      goal: p.goal,
      currency: p.currency,
      budget: p.budget.map((l) => ({ id: l.id, label: l.label, amount: l.amount })),
      startDate: p.startDate,
      endDate: p.endDate,
    },
  };
}

export function projectBudgetChangedEvent(
  p: { id: string; orgId: string; budget: BudgetLineRef[]; reason: string },
  at: Date,
): ProjectBudgetChanged {
  return {
    type: 'project.budget_changed',
    v: 1,
    at: at.toISOString(),
    data: {
      projectId: p.id,
      orgId: p.orgId,
      budget: p.budget.map((l) => ({ id: l.id, label: l.label, amount: l.amount })),
      reason: p.reason,
    },
  };
}

/** `donor` is a commitment (hex SHA-256 of the donor's secret ‖ donation id), never an identity. */
export function donationReceivedEvent(
  d: {
    id: string;
    projectId: string;
    orgId: string;
    amount: number;
    currency: string;
    paidSeq: number;
    donor: string;
  },
  at: Date,
): DonationReceived {
  return {
    type: 'donation.received',
    v: 1,
    at: at.toISOString(),
    data: {
      donationId: d.id,
      projectId: d.projectId,
      orgId: d.orgId,
      amount: d.amount,
      currency: d.currency,
      paidSeq: d.paidSeq,
      donor: d.donor,
    },
  };
}

/**
 * A paid donation taken back (a refund or a chargeback), version 2: the whole `amount` leaves
 * the project; `owed` of it had already been spent (allocated to disbursements) and is what
 * the charity now owes, the rest leaves the unspent balance. Version 1 (old logs) had
 * `reason` instead of `owed` and took back only wholly unspent donations. The reason is no
 * longer logged: a refund and a chargeback of one donation may arrive in either order, and the
 * log must read the same whatever the order (docs/money.md); the database keeps it.
 */
export function donationRefundedEvent(
  d: {
    id: string;
    projectId: string;
    orgId: string;
    amount: number;
    currency: string;
    owed: number;
  },
  at: Date,
): DonationRefunded {
  return {
    type: 'donation.refunded',
    v: 2,
    at: at.toISOString(),
    data: {
      donationId: d.id,
      projectId: d.projectId,
      orgId: d.orgId,
      amount: d.amount,
      currency: d.currency,
      owed: d.owed,
    },
  };
}

/**
 * A log entry carries at most 65,535 bytes (C2SP entry bundles), and one allocation is about
 * 60 bytes of JSON, so a disbursement spread over many small donations lists its first
 * allocations in `funds.disbursed` and the rest in `funds.allocated` continuation events,
 * in order (`part` 2, 3, …; `parts` in the first event says how many).
 */
export const ALLOCATIONS_PER_EVENT = 500;

export function fundsDisbursedEvents(
  d: {
    id: string;
    projectId: string;
    orgId: string;
    amount: number;
    currency: string;
    budgetLine: { id: string; label: string };
    payee: { id: string; kind: string; region: string; name: string };
    purpose: string;
    date: string;
    evidence: { sha256: string; kind: string; mediaType: string }[];
    allocations: EventAllocation[];
  },
  at: Date,
): [FundsDisbursed, ...FundsAllocated[]] {
  const chunks: EventAllocation[][] = [];
  for (let i = 0; i < d.allocations.length; i += ALLOCATIONS_PER_EVENT) {
    chunks.push(d.allocations.slice(i, i + ALLOCATIONS_PER_EVENT));
  }
  if (chunks.length === 0) chunks.push([]);
  const first: FundsDisbursed = {
    type: 'funds.disbursed',
    v: 1,
    at: at.toISOString(),
    data: {
      disbursementId: d.id,
      projectId: d.projectId,
      orgId: d.orgId,
      amount: d.amount,
      currency: d.currency,
      budgetLineId: d.budgetLine.id,
      budgetLine: d.budgetLine.label,
      // A private person is not named on a public, permanent log.
      payee: {
        beneficiaryId: d.payee.id,
        kind: d.payee.kind,
        region: d.payee.region,
        name: d.payee.kind === 'person' ? null : d.payee.name,
      },
      purpose: d.purpose,
      date: d.date,
      evidence: d.evidence.map((e) => ({ sha256: e.sha256, kind: e.kind, mediaType: e.mediaType })),
      parts: chunks.length,
      allocations: chunks[0]!.map((a) => ({ donationId: a.donationId, amount: a.amount })),
    },
  };
  return [
    first,
    ...chunks.slice(1).map(
      (chunk, i): FundsAllocated => ({
        type: 'funds.allocated',
        v: 1,
        at: at.toISOString(),
        data: {
          disbursementId: d.id,
          projectId: d.projectId,
          part: i + 2,
          allocations: chunk.map((a) => ({ donationId: a.donationId, amount: a.amount })),
        },
      }),
    ),
  ];
}

export function fundsAcknowledgedEvent(
  a: { disbursementId: string; projectId: string; orgId: string; photo: string | null },
  at: Date,
): FundsAcknowledged {
  return {
    type: 'funds.acknowledged',
    v: 1,
    at: at.toISOString(),
    data: {
      disbursementId: a.disbursementId,
      projectId: a.projectId,
      orgId: a.orgId,
      photo: a.photo,
    },
  };
}

/**
 * An auditor's finding and the charity's answers (audit/findings.ts). The text is not put on
 * the permanent public log — only the charity and platform staff read it, and people write
 * names into such text — but its SHA-256 is, so what was said, and when, can be proven later.
 * People appear by role only.
 */
export function findingFiledEvent(
  f: {
    id: string;
    orgId: string;
    projectId: string | null;
    disbursementId: string | null;
    severity: string;
    textSha256: string;
  },
  at: Date,
): FindingFiled {
  return {
    type: 'finding.filed',
    v: 1,
    at: at.toISOString(),
    data: {
      findingId: f.id,
      orgId: f.orgId,
      projectId: f.projectId,
      disbursementId: f.disbursementId,
      severity: f.severity,
      by: 'auditor',
      textSha256: f.textSha256,
    },
  };
}

export function findingAnsweredEvent(
  a: { findingId: string; orgId: string; answerId: string; textSha256: string },
  at: Date,
): FindingAnswered {
  return {
    type: 'finding.answered',
    v: 1,
    at: at.toISOString(),
    data: {
      findingId: a.findingId,
      orgId: a.orgId,
      answerId: a.answerId,
      by: 'charity',
      textSha256: a.textSha256,
    },
  };
}

export function findingClosedEvent(
  f: { findingId: string; orgId: string },
  at: Date,
): FindingClosed {
  return {
    type: 'finding.closed',
    v: 1,
    at: at.toISOString(),
    data: { findingId: f.findingId, orgId: f.orgId, by: 'auditor' },
  };
}
