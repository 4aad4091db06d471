import { type Static, Type } from 'typebox';
import {
  Currency,
  Fen,
  IsoDate,
  Items,
  Money,
  Nullable,
  Sha256,
  Text,
  Timestamp,
  Uuid,
} from './values.js';

/**
 * Spending: payees, disbursements with their evidence, the beneficiary's confirmation
 * (apps/server/src/spending/, projects/beneficiaries.ts).
 */

export const BeneficiaryKind = Type.Union([
  Type.Literal('school'),
  Type.Literal('person'),
  Type.Literal('supplier'),
]);
export type BeneficiaryKind = Static<typeof BeneficiaryKind>;

export const EvidenceKind = Type.Union([
  Type.Literal('invoice'),
  Type.Literal('receipt'),
  Type.Literal('photo'),
]);
export type EvidenceKind = Static<typeof EvidenceKind>;

/** The file types the platform keeps as evidence. */
export const EvidenceMediaType = Type.Union([
  Type.Literal('application/pdf'),
  Type.Literal('image/jpeg'),
  Type.Literal('image/png'),
]);
export type EvidenceMediaType = Static<typeof EvidenceMediaType>;

export const Beneficiary = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: BeneficiaryKind,
  region: Type.String(),
  createdAt: Timestamp,
});
export type Beneficiary = Static<typeof Beneficiary>;
export const Beneficiaries = Items(Beneficiary);

export const BeneficiaryBody = Type.Object(
  { name: Text(120, 2), kind: BeneficiaryKind, region: Text(64) },
  { additionalProperties: false },
);
export type BeneficiaryBody = Static<typeof BeneficiaryBody>;

export const EvidenceFile = Type.Object({
  sha256: Sha256,
  kind: EvidenceKind,
  mediaType: EvidenceMediaType,
  size: Type.Integer({ minimum: 0 }),
  url: Type.String(),
});
export type EvidenceFile = Static<typeof EvidenceFile>;

/** The beneficiary's confirmation of a disbursement. */
export const Acknowledgement = Type.Object({
  at: Timestamp,
  note: Nullable(Type.String()),
  photoUrl: Nullable(Type.String()),
  outboxId: Type.String(),
});
export type Acknowledgement = Static<typeof Acknowledgement>;

/** A disbursement as the public sees it: a private person is named by kind and region only. */
export const Disbursement = Type.Object({
  id: Uuid,
  projectId: Uuid,
  projectTitle: Type.String(),
  amount: Fen,
  currency: Currency,
  purpose: Type.String(),
  /** The day it was paid. */
  date: IsoDate,
  createdAt: Timestamp,
  budgetLine: Type.Object({ id: Uuid, label: Type.String() }),
  payee: Type.Object({
    id: Uuid,
    kind: BeneficiaryKind,
    region: Type.String(),
    name: Nullable(Type.String()),
  }),
  evidence: Type.Array(EvidenceFile),
  outboxId: Type.String(),
  acknowledgement: Nullable(Acknowledgement),
  /** Not confirmed 30 days after it was recorded. */
  overdue: Type.Boolean(),
});
export type Disbursement = Static<typeof Disbursement>;
export const ProjectDisbursements = Items(Disbursement);

export const RecordDisbursementBody = Type.Object(
  {
    ...Money.properties,
    budgetLineId: Uuid,
    beneficiaryId: Uuid,
    purpose: Text(500, 3),
    date: IsoDate,
    evidence: Type.Array(
      Type.Object({ sha256: Sha256, kind: EvidenceKind }, { additionalProperties: false }),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
export type RecordDisbursementBody = Static<typeof RecordDisbursementBody>;

export const AllocationRef = Type.Object({ donationId: Uuid, amount: Fen });
export type AllocationRef = Static<typeof AllocationRef>;

/** The answer of recording a disbursement: the confirmation code is shown once and never again. */
export const RecordedDisbursement = Type.Object({
  id: Uuid,
  outboxId: Type.String(),
  allocations: Type.Array(AllocationRef),
  ackCode: Type.String(),
  ackUrl: Type.String(),
});
export type RecordedDisbursement = Static<typeof RecordedDisbursement>;

export const AckCodeParams = Type.Object({ code: Type.String({ minLength: 10, maxLength: 40 }) });

/** What a beneficiary is asked to confirm, from the one-time code. */
export const AckDetails = Type.Object({
  disbursementId: Uuid,
  amount: Fen,
  currency: Currency,
  purpose: Type.String(),
  date: IsoDate,
  projectTitle: Type.String(),
  orgName: Type.String(),
  payee: Type.Object({ name: Type.String(), kind: BeneficiaryKind }),
  acknowledgedAt: Nullable(Timestamp),
});
export type AckDetails = Static<typeof AckDetails>;

export const AcknowledgeBody = Type.Object(
  {
    note: Type.Optional(Nullable(Text(1000))),
    photoSha256: Type.Optional(Nullable(Sha256)),
  },
  { additionalProperties: false },
);
export type AcknowledgeBody = Static<typeof AcknowledgeBody>;

export const Acknowledged = Type.Object({ disbursementId: Uuid, outboxId: Type.String() });
export type Acknowledged = Static<typeof Acknowledged>;
