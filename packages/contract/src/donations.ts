import { type Static, Type } from 'typebox';
import { Receipt } from './log.js';
import { Acknowledgement, Disbursement } from './spending.js';
import {
  Currency,
  Email,
  Fen,
  Money,
  Nullable,
  Page,
  PageQuery,
  Text,
  Timestamp,
  Uuid,
} from './values.js';

/** Donations, payments and what became of the money (apps/server/src/donations/, payments/). */

export const DonationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('paid'),
  Type.Literal('failed'),
  Type.Literal('refunded'),
]);
export type DonationStatus = Static<typeof DonationStatus>;

export const DonationFrequency = Type.Union([Type.Literal('once'), Type.Literal('monthly')]);
export type DonationFrequency = Static<typeof DonationFrequency>;

export const MonthlyStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('active'),
  Type.Literal('stopped'),
]);
export type MonthlyStatus = Static<typeof MonthlyStatus>;

export const DonateBody = Type.Object(
  {
    ...Money.properties,
    frequency: Type.Optional(DonationFrequency),
    anonymous: Type.Optional(Type.Boolean()),
    displayName: Type.Optional(Nullable(Text(60))),
    message: Type.Optional(Nullable(Text(500))),
    /** A guest's email for the receipt; signed-in donors may omit it. */
    email: Type.Optional(Nullable(Email)),
  },
  { additionalProperties: false },
);
export type DonateBody = Static<typeof DonateBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String()),
});

/** The answer of a donation: how to pay. Only the provider's verified callback credits it. */
export const DonationStarted = Type.Object({
  /** false when an earlier request with the same Idempotency-Key already created it. */
  created: Type.Boolean(),
  donation: Type.Object({
    id: Uuid,
    projectId: Uuid,
    amount: Fen,
    currency: Currency,
    status: DonationStatus,
    frequency: DonationFrequency,
  }),
  payment: Type.Object({
    provider: Type.String(),
    testMode: Type.Boolean(),
    checkoutUrl: Nullable(Type.String()),
    clientSecret: Nullable(Type.String()),
  }),
  /** For the donor's own page: /donations/:id?token=… */
  accessToken: Type.String(),
});
export type DonationStarted = Static<typeof DonationStarted>;

export const DonationIdParams = Type.Object({ donationId: Uuid });
export const DonationTokenQuery = Type.Object({
  token: Type.Optional(Type.String({ maxLength: 100 })),
});

/** A project's paid donation as the public sees it: the donor's chosen name or none. */
export const PublicDonation = Type.Object({
  receiptId: Uuid,
  amount: Fen,
  currency: Currency,
  status: Type.Union([Type.Literal('paid'), Type.Literal('refunded')]),
  anonymous: Type.Boolean(),
  displayName: Nullable(Type.String()),
  message: Nullable(Type.String()),
  monthly: Type.Boolean(),
  paidAt: Timestamp,
});
export type PublicDonation = Static<typeof PublicDonation>;
export const PublicDonationPage = Page(PublicDonation);

/** The donor's own view of a donation (with the link's token, or signed in as its donor). */
export const DonorDonation = Type.Object({
  id: Uuid,
  projectId: Uuid,
  projectTitle: Type.String(),
  orgId: Uuid,
  orgName: Type.String(),
  amount: Fen,
  currency: Currency,
  status: DonationStatus,
  anonymous: Type.Boolean(),
  displayName: Nullable(Type.String()),
  message: Nullable(Type.String()),
  email: Nullable(Type.String()),
  provider: Type.String(),
  checkoutUrl: Nullable(Type.String()),
  monthly: Nullable(Type.Object({ id: Uuid, status: MonthlyStatus, nextChargeAt: Timestamp })),
  createdAt: Timestamp,
  paidAt: Nullable(Timestamp),
  paidSeq: Nullable(Type.Integer({ minimum: 1 })),
  allocated: Fen,
  unspent: Fen,
  /** A donation taken back: when, why, and how much of it had been spent (now owed). */
  refund: Nullable(Type.Object({ at: Timestamp, reason: Nullable(Type.String()), owed: Fen })),
  outboxId: Nullable(Type.String()),
  /** The donor's proof of ownership: the log holds only SHA-256(secret ‖ donation id). */
  donor: Type.Object({ secret: Type.String(), commitment: Type.String() }),
});
export type DonorDonation = Static<typeof DonorDonation>;

const WithReceipt = { receipt: Nullable(Receipt) };

/** "Where did my money go": each fact with the receipt that proves it is on the log. */
export const DonationTrace = Type.Object({
  donation: Type.Object({ ...DonorDonation.properties, ...WithReceipt }),
  allocations: Type.Array(
    Type.Object({
      amount: Fen,
      disbursement: Type.Object({ ...Disbursement.properties, ...WithReceipt }),
      acknowledgement: Nullable(Type.Object({ ...Acknowledgement.properties, ...WithReceipt })),
    }),
  ),
  unspent: Fen,
});
export type DonationTrace = Static<typeof DonationTrace>;

/** A signed-in donor's donation in their list (failed payments left out). */
export const MyDonation = Type.Object({
  id: Uuid,
  projectId: Uuid,
  projectTitle: Type.String(),
  amount: Fen,
  currency: Currency,
  status: DonationStatus,
  /** How much of it has been allocated to disbursements. */
  spent: Fen,
  createdAt: Timestamp,
  paidAt: Nullable(Timestamp),
  /** The monthly donation's status, or null for a one-off. */
  monthly: Nullable(MonthlyStatus),
});
export type MyDonation = Static<typeof MyDonation>;
export const MyDonationPage = Page(MyDonation);
export const MyDonationsQuery = PageQuery;

export const PaymentProviderParams = Type.Object({ provider: Type.String({ maxLength: 20 }) });

/** What the payment provider's callback is answered: what the platform did with it. */
export const PaymentCallbackAnswer = Type.Object({
  received: Type.Literal(true),
  outcome: Type.String(),
});
export type PaymentCallbackAnswer = Static<typeof PaymentCallbackAnswer>;

export const SandboxPayBody = Type.Object(
  {
    token: Type.String({ maxLength: 100 }),
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  },
  { additionalProperties: false },
);
export type SandboxPayBody = Static<typeof SandboxPayBody>;

export const SandboxPaid = Type.Object({
  ...PaymentCallbackAnswer.properties,
  donationId: Uuid,
});
export type SandboxPaid = Static<typeof SandboxPaid>;
