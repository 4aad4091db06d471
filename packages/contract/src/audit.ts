import { type Static, Type } from 'typebox';
import { ANOMALY_CODES, FINDING_BODY_MAX, FINDING_TITLE_MAX, severities } from './lists.js';
import { Alarm } from './log.js';
import { ProjectStatus } from './projects.js';
import { BeneficiaryKind } from './spending.js';
import { Fen, IsoDate, Nullable, Text, Timestamp, Uuid } from './values.js';

/**
 * The auditor's console (apps/server/src/audit/, docs/ledger.md "The auditor's console"): the
 * log's health, the books and anomalies recomputed from the log, findings. Ids that come from
 * the log are plain strings: the log holds whatever its events said.
 */

export const WitnessHealth = Type.Object({
  name: Type.String(),
  url: Nullable(Type.String()),
  /** Still in the server's configuration (a witness it forgot is listed too). */
  configured: Type.Boolean(),
  cosignedSize: Type.Integer({ minimum: 0 }),
  lag: Type.Integer({ minimum: 0 }),
  lastError: Nullable(Type.String()),
  updatedAt: Nullable(Timestamp),
});
export type WitnessHealth = Static<typeof WitnessHealth>;

export const LogHealth = Type.Object({
  treeSize: Type.Integer({ minimum: 0 }),
  checkpointAt: Timestamp,
  checkpointAgeSeconds: Type.Integer({ minimum: 0 }),
  cosigned: Nullable(
    Type.Object({ treeSize: Type.Integer({ minimum: 0 }), witnesses: Type.Array(Type.String()) }),
  ),
  witnesses: Type.Array(WitnessHealth),
  alarms: Type.Array(Alarm),
});
export type LogHealth = Static<typeof LogHealth>;

export const AnomalyCode = Type.Enum(ANOMALY_CODES);
export type AnomalyCode = Static<typeof AnomalyCode>;

/** A fact in the books that breaks no rule of the log but that an auditor should look at. */
export const Anomaly = Type.Object({
  code: AnomalyCode,
  /** Log index of the event concerned, -1 if none. */
  index: Type.Integer({ minimum: -1 }),
  projectId: Type.String(),
  orgId: Type.String(),
  disbursementId: Type.Optional(Type.String()),
  amount: Type.Optional(Fen),
  message: Type.String(),
});
export type Anomaly = Static<typeof Anomaly>;

/** An anomaly with the names the console shows beside it. */
export const NamedAnomaly = Type.Object({
  ...Anomaly.properties,
  orgName: Nullable(Type.String()),
  projectTitle: Nullable(Type.String()),
});
export type NamedAnomaly = Static<typeof NamedAnomaly>;

export const AnomalyList = Type.Object({
  /** How many log entries the books were replayed from. */
  replayed: Type.Integer({ minimum: 0 }),
  total: Type.Integer({ minimum: 0 }),
  /** Per code, for the charity filter (not the code filter): they label the tabs. */
  counts: Type.Object(
    Object.fromEntries(ANOMALY_CODES.map((c) => [c, Type.Integer({ minimum: 0 })])) as {
      [K in AnomalyCode]: ReturnType<typeof Type.Integer>;
    },
  ),
  items: Type.Array(NamedAnomaly),
});
export type AnomalyList = Static<typeof AnomalyList>;

export const AnomalyQuery = Type.Object({
  code: Type.Optional(AnomalyCode),
  orgId: Type.Optional(Uuid),
});
export type AnomalyQuery = Static<typeof AnomalyQuery>;

/** A published project's books as replayed from the log. */
export const BooksProject = Type.Object({
  id: Type.String(),
  title: Nullable(Type.String()),
  status: Nullable(ProjectStatus),
  goal: Fen,
  raised: Fen,
  refunded: Fen,
  /** Spent money of donations taken back since: what the charity owes. */
  owed: Fen,
  allocated: Fen,
  spent: Fen,
  confirmed: Fen,
  unspent: Fen,
  donations: Type.Integer({ minimum: 0 }),
  disbursements: Type.Integer({ minimum: 0 }),
  budget: Type.Array(
    Type.Object({ id: Type.String(), label: Type.String(), amount: Fen, spent: Fen }),
  ),
});
export type BooksProject = Static<typeof BooksProject>;

/** A disbursement as replayed from the log, with what the database adds for people to read. */
export const BooksDisbursement = Type.Object({
  id: Type.String(),
  projectId: Type.String(),
  projectTitle: Nullable(Type.String()),
  amount: Fen,
  budgetLine: Type.Object({ id: Type.String(), label: Nullable(Type.String()) }),
  index: Type.Integer({ minimum: 0 }),
  at: Type.String(),
  confirmed: Type.Boolean(),
  /** How many evidence files the log cites. */
  evidence: Type.Integer({ minimum: 0 }),
  purpose: Nullable(Type.String()),
  date: Nullable(IsoDate),
  payee: Nullable(
    Type.Object({
      id: Uuid,
      kind: BeneficiaryKind,
      region: Type.String(),
      name: Nullable(Type.String()),
    }),
  ),
  overdue: Type.Boolean(),
});
export type BooksDisbursement = Static<typeof BooksDisbursement>;

export const CharityBooks = Type.Object({
  org: Type.Object({ id: Uuid, name: Type.String(), registrationNumber: Type.String() }),
  replayed: Type.Integer({ minimum: 0 }),
  projects: Type.Array(BooksProject),
  disbursements: Type.Array(BooksDisbursement),
});
export type CharityBooks = Static<typeof CharityBooks>;

export const Severity = Type.Enum(severities);
export type Severity = Static<typeof Severity>;

export const FindingStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('answered'),
  Type.Literal('closed'),
]);
export type FindingStatus = Static<typeof FindingStatus>;

export const FindingAnswer = Type.Object({
  id: Uuid,
  body: Type.String(),
  answeredAt: Timestamp,
  outboxId: Type.String(),
});
export type FindingAnswer = Static<typeof FindingAnswer>;

export const Finding = Type.Object({
  id: Uuid,
  orgId: Uuid,
  orgName: Type.String(),
  project: Nullable(Type.Object({ id: Uuid, title: Type.String() })),
  disbursement: Nullable(
    Type.Object({ id: Uuid, amount: Fen, purpose: Type.String(), date: Type.String() }),
  ),
  title: Type.String(),
  body: Type.String(),
  severity: Severity,
  status: FindingStatus,
  filedAt: Timestamp,
  outboxId: Type.String(),
  closedAt: Nullable(Timestamp),
  closedOutboxId: Nullable(Type.String()),
  answers: Type.Array(FindingAnswer),
});
export type Finding = Static<typeof Finding>;
export const Findings = Type.Object({ items: Type.Array(Finding) });
export type Findings = Static<typeof Findings>;

export const FindingsQuery = Type.Object({
  orgId: Type.Optional(Uuid),
  status: Type.Optional(FindingStatus),
});
export type FindingsQuery = Static<typeof FindingsQuery>;

export const FileFindingBody = Type.Object(
  {
    orgId: Uuid,
    disbursementId: Type.Optional(Nullable(Uuid)),
    title: Text(FINDING_TITLE_MAX),
    body: Text(FINDING_BODY_MAX),
    severity: Severity,
  },
  { additionalProperties: false },
);
export type FileFindingBody = Static<typeof FileFindingBody>;

export const AnswerFindingBody = Type.Object(
  { body: Text(FINDING_BODY_MAX) },
  { additionalProperties: false },
);
export type AnswerFindingBody = Static<typeof AnswerFindingBody>;

export const FindingIdParams = Type.Object({ findingId: Uuid });
export const OrgFindingParams = Type.Object({ orgId: Uuid, findingId: Uuid });

/** A finding, an answer or a closing recorded, with its event in the outbox. */
export const FindingRecorded = Type.Object({ id: Uuid, outboxId: Type.String() });
export type FindingRecorded = Static<typeof FindingRecorded>;
