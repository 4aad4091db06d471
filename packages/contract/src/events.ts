import { type Static, type TProperties, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { LogEvent } from './log.js';
import { Nullable, Sha256 } from './values.js';

/**
 * The events Goodtrace puts on its log (docs/money.md, docs/ledger.md), each `{type, v, at,
 * data}` with its data typed: the server's builders (apps/server/src/ledger/events.ts) return
 * these types, and the books, the web app and the CLI read events through them. Events carry
 * no personal data: organisations appear by their public registration, people never by name
 * or email, donors as a commitment.
 *
 * A log is permanent: a changed payload is a new version (`v`), never an edit of this one.
 */

function event<T extends string, D extends TProperties, V extends number = 1>(
  type: T,
  data: D,
  v: V = 1 as V,
) {
  return Type.Object({
    type: Type.Literal(type),
    v: Type.Literal(v),
    /** When it happened, RFC 3339. */
    at: Type.String({ format: 'date-time' }),
    data: Type.Object(data),
  });
}

/** Ids the server wrote (UUIDs); a reader that does not trust the log checks them. */
const Id = Type.String({ format: 'uuid' });
const Amount = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Currency = Type.String({ minLength: 3, maxLength: 3 });
const Day = Type.String({ format: 'date' });

export const BudgetLineRef = Type.Object({ id: Id, label: Type.String(), amount: Amount });
export type BudgetLineRef = Static<typeof BudgetLineRef>;

export const EventAllocation = Type.Object({ donationId: Id, amount: Amount });
export type EventAllocation = Static<typeof EventAllocation>;

/** A charity verified by the platform: from then on it may publish projects. */
export const OrgVerified = event('org.verified', {
  orgId: Id,
  name: Type.String(),
  registrationNumber: Type.String(),
  city: Type.String(),
  cause: Type.String(),
});
export type OrgVerified = Static<typeof OrgVerified>;

/** A project opened for donations, with its goal and budget. */
export const ProjectPublished = event('project.published', {
  projectId: Id,
  orgId: Id,
  title: Type.String(),
  cause: Type.String(),
  city: Type.String(),
  goal: Amount,
  currency: Currency,
  budget: Type.Array(BudgetLineRef),
  startDate: Day,
  endDate: Day,
});
export type ProjectPublished = Static<typeof ProjectPublished>;

/** A published project's budget changed in public, with the reason. */
export const ProjectBudgetChanged = event('project.budget_changed', {
  projectId: Id,
  orgId: Id,
  budget: Type.Array(BudgetLineRef),
  reason: Type.String(),
});
export type ProjectBudgetChanged = Static<typeof ProjectBudgetChanged>;

/**
 * A payment credited to a project. `paidSeq` orders the project's donations for FIFO
 * allocation; `donor` is hex SHA-256 of the donor's secret ‖ donation id, never an identity.
 */
export const DonationReceived = event('donation.received', {
  donationId: Id,
  projectId: Id,
  orgId: Id,
  amount: Amount,
  currency: Currency,
  paidSeq: Amount,
  donor: Sha256,
});
export type DonationReceived = Static<typeof DonationReceived>;

/**
 * A donation's money went back to its donor (a refund, or a chargeback by the bank). Version 1,
 * written until 2026-12: only a donation none of which was spent, with the reason.
 */
export const DonationRefundedV1 = event('donation.refunded', {
  donationId: Id,
  projectId: Id,
  orgId: Id,
  amount: Amount,
  currency: Currency,
  reason: Type.Union([Type.Literal('refund'), Type.Literal('chargeback')]),
});
export type DonationRefundedV1 = Static<typeof DonationRefundedV1>;

/**
 * Version 2 (docs/money.md, "Payment callbacks in any order"): the whole `amount` leaves the
 * project; `owed` is the part already allocated to disbursements, which the charity now owes
 * (0 when none was spent). No reason: a refund and a chargeback of one donation may arrive in
 * either order, and the log must not depend on which came first.
 */
export const DonationRefunded = event(
  'donation.refunded',
  {
    donationId: Id,
    projectId: Id,
    orgId: Id,
    amount: Amount,
    currency: Currency,
    owed: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  2,
);
export type DonationRefunded = Static<typeof DonationRefunded>;

/**
 * Money paid out of a project, allocated FIFO to its oldest unallocated donations, with the
 * hashes of its evidence. A log entry carries at most 65,535 bytes, so a disbursement spread
 * over many donations lists its first allocations here and the rest in `funds.allocated`
 * continuation events (`parts` says how many events in all).
 */
export const FundsDisbursed = event('funds.disbursed', {
  disbursementId: Id,
  projectId: Id,
  orgId: Id,
  amount: Amount,
  currency: Currency,
  budgetLineId: Id,
  budgetLine: Type.String(),
  payee: Type.Object({
    beneficiaryId: Id,
    kind: Type.String(),
    region: Type.String(),
    /** A private person is not named on a public, permanent log. */
    name: Nullable(Type.String()),
  }),
  purpose: Type.String(),
  date: Day,
  evidence: Type.Array(
    Type.Object({ sha256: Sha256, kind: Type.String(), mediaType: Type.String() }),
  ),
  parts: Type.Integer({ minimum: 1 }),
  allocations: Type.Array(EventAllocation),
});
export type FundsDisbursed = Static<typeof FundsDisbursed>;

/** The allocations of a disbursement beyond its first event's, in order (`part` 2, 3, …). */
export const FundsAllocated = event('funds.allocated', {
  disbursementId: Id,
  projectId: Id,
  part: Type.Integer({ minimum: 2 }),
  allocations: Type.Array(EventAllocation),
});
export type FundsAllocated = Static<typeof FundsAllocated>;

/** The beneficiary confirmed receipt, with the SHA-256 of a photo if they sent one. */
export const FundsAcknowledged = event('funds.acknowledged', {
  disbursementId: Id,
  projectId: Id,
  orgId: Id,
  photo: Nullable(Sha256),
});
export type FundsAcknowledged = Static<typeof FundsAcknowledged>;

/**
 * An auditor's finding, and the charity's answers: the text stays off the public log (people
 * write names into it) but its SHA-256 is on it, so what was said, and when, can be proven.
 */
export const FindingFiled = event('finding.filed', {
  findingId: Id,
  orgId: Id,
  projectId: Nullable(Id),
  disbursementId: Nullable(Id),
  severity: Type.String(),
  by: Type.Literal('auditor'),
  textSha256: Sha256,
});
export type FindingFiled = Static<typeof FindingFiled>;

export const FindingAnswered = event('finding.answered', {
  findingId: Id,
  orgId: Id,
  answerId: Id,
  by: Type.Literal('charity'),
  textSha256: Sha256,
});
export type FindingAnswered = Static<typeof FindingAnswered>;

export const FindingClosed = event('finding.closed', {
  findingId: Id,
  orgId: Id,
  by: Type.Literal('auditor'),
});
export type FindingClosed = Static<typeof FindingClosed>;

/** Every event type Goodtrace writes, with its schema. */
export const eventSchemas = {
  'org.verified': OrgVerified,
  'project.published': ProjectPublished,
  'project.budget_changed': ProjectBudgetChanged,
  'donation.received': DonationReceived,
  'donation.refunded': Type.Union([DonationRefundedV1, DonationRefunded]),
  'funds.disbursed': FundsDisbursed,
  'funds.allocated': FundsAllocated,
  'funds.acknowledged': FundsAcknowledged,
  'finding.filed': FindingFiled,
  'finding.answered': FindingAnswered,
  'finding.closed': FindingClosed,
} as const;

export const GoodtraceEvent = Type.Union(Object.values(eventSchemas) as TSchema[]);
export type GoodtraceEvent =
  | OrgVerified
  | ProjectPublished
  | ProjectBudgetChanged
  | DonationReceived
  | DonationRefundedV1
  | DonationRefunded
  | FundsDisbursed
  | FundsAllocated
  | FundsAcknowledged
  | FindingFiled
  | FindingAnswered
  | FindingClosed;

export type EventType = GoodtraceEvent['type'];
export type EventOf<T extends EventType> = Extract<GoodtraceEvent, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];
/** Every member name any event's data has. */
export type EventDataKey = { [T in EventType]: keyof EventData<T> }[EventType];

// The table and the union above name the same events: neither can gain one alone.
type SchemaTypes = keyof typeof eventSchemas;
const sameTypes: [SchemaTypes, EventType] extends [EventType, SchemaTypes] ? true : never = true;
void sameTypes;

export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

/** An event's data as a reader that does not trust its source holds it: members to check. */
export type Unchecked<D> = { readonly [K in keyof D]?: unknown };

/** The versions of each event that Goodtrace has written, oldest first. */
export const EVENT_VERSIONS: { readonly [T in EventType]: readonly EventOf<T>['v'][] } = {
  'org.verified': [1],
  'project.published': [1],
  'project.budget_changed': [1],
  'donation.received': [1],
  'donation.refunded': [1, 2],
  'funds.disbursed': [1],
  'funds.allocated': [1],
  'funds.acknowledged': [1],
  'finding.filed': [1],
  'finding.answered': [1],
  'finding.closed': [1],
};

/**
 * Whether an event is one Goodtrace knows, of this type and a version it has written. A type
 * check only: its data is still to be checked member by member (`Unchecked`), as the books'
 * replay does, or whole with `isEvent`.
 */
export function hasType<T extends EventType>(
  event: Pick<LogEvent, 'type' | 'v'>,
  type: T,
): event is Pick<LogEvent, 'type' | 'v'> & { type: T; v: EventOf<T>['v'] } {
  return event.type === type && (EVENT_VERSIONS[type] as readonly number[]).includes(event.v);
}

/**
 * The whole check, for events from a source not trusted (another server's log, a file): the
 * event is of this type and version and every member of its data has the declared shape.
 */
export function isEvent<T extends EventType>(event: unknown, type: T): event is EventOf<T> {
  return Value.Check(eventSchemas[type], event);
}

/** The event as one Goodtrace knows, fully checked, or null (an unknown type or a bad shape). */
export function knownEvent(event: unknown): GoodtraceEvent | null {
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(eventSchemas, type)) return null;
  return isEvent(event, type as EventType) ? (event as GoodtraceEvent) : null;
}
