import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { donationRefundedEvent } from '../ledger/events.js';
import type { PaymentEvent, PaymentEventKind } from '../payments/provider.js';
import { fen } from '../projects/money.js';
import { logProjectEvents } from '../projects/project-log.js';
import { debitShards } from './funds.js';

/**
 * The rules a provider's callback is judged by, each written once: the batch credit
 * (credit-batch.ts) and the one-at-a-time path of refunds, disputes and failures
 * (payment-events.ts) both call these. docs/money.md, "Payment callbacks in any order".
 */

/** What a callback did; recorded with it (payment_events.outcome) and answered to the provider. */
export type PaymentOutcome =
  /** The success credited a pending (or failed) donation. */
  | 'credited'
  /** The failure marked a pending donation failed. */
  | 'failed'
  /** The refund or dispute took the donation's money back. */
  | 'refunded'
  /** A refund or dispute of a donation not paid yet: kept, and applied when its success comes. */
  | 'held'
  /** A refund or dispute of a donation already taken back: its money left once. */
  | 'already_refunded'
  /** This event id was recorded before: a redelivery, which changes nothing. */
  | 'duplicate'
  | 'unknown_donation'
  /** The amount or currency is not the donation's (a partial refund, a forged amount). */
  | 'amount_mismatch'
  /** A success or failure for a donation already paid (or refunded). */
  | 'not_pending';

/** What applying a callback did: its outcome and the donation it concerned, if any. */
export interface AppliedPayment {
  outcome: PaymentOutcome;
  donationId: string | null;
}

/** Whether a callback is about exactly the donation's money: the same amount and currency. */
export function sameMoney(
  event: Pick<PaymentEvent, 'amount' | 'currency'>,
  d: { amount: string; currency: string },
): boolean {
  return event.amount === fen(d.amount) && event.currency.toUpperCase() === d.currency;
}

/** Why a donation was taken back, as the database keeps it. */
export type RefundReason = 'refund' | 'chargeback';

/**
 * The reason when a refund and a dispute both concern one donation, whatever their order: a
 * chargeback wins. The bank took the money back by force; that is what the charity must answer
 * for and what support must be able to find, while a refund as well only means the payer was
 * made whole once. (Stripe refuses to refund a disputed payment, so in practice the refund
 * came first and the dispute is answered by showing it.)
 */
export function refundReason(kinds: readonly PaymentEventKind[]): RefundReason {
  return kinds.includes('payment.disputed') ? 'chargeback' : 'refund';
}

/** The columns of a donation that the money rules read. */
export interface DonationMoney {
  id: string;
  project_id: string;
  org_id: string;
  amount: string;
  currency: string;
  shard: number;
}

/** A paid or refunded donation, locked, as takeBack needs it. */
export interface TakenDonation extends DonationMoney {
  status: 'paid' | 'refunded';
  allocated: string;
  refund_reason: string | null;
}

/**
 * Takes a paid donation's money back for `reason`, with all of its project's fund shards and
 * the donation locked (in that order: the order of every spender). The whole amount leaves the
 * project (`refunded`); the part not yet allocated leaves the unspent balance and, with the
 * donation's status, the FIFO queue; the part already allocated to disbursements went to
 * beneficiaries and becomes what the charity owes (`owed`), so no balance goes negative.
 * `donation.refunded` says both on the log. A donation taken back already stays as it is — its
 * money left once — except that a chargeback's reason replaces a refund's (refundReason).
 */
export async function takeBack(
  tx: Kysely<DB>,
  d: TakenDonation,
  reason: RefundReason,
  now: Date,
): Promise<'refunded' | 'already_refunded'> {
  if (d.status === 'refunded') {
    if (reason === 'chargeback' && d.refund_reason !== 'chargeback') {
      await tx
        .updateTable('donations')
        .set({ refund_reason: reason })
        .where('id', '=', d.id)
        .execute();
    }
    return 'already_refunded';
  }
  const amount = fen(d.amount);
  const owed = fen(d.allocated);
  if (amount > owed) await debitShards(tx, d.project_id, amount - owed);
  await tx
    .updateTable('project_funds')
    .set((eb) => ({
      refunded: eb('refunded', '+', String(amount)),
      owed: eb('owed', '+', String(owed)),
    }))
    .where('project_id', '=', d.project_id)
    .where('shard', '=', d.shard)
    .execute();
  const [outboxId] = await logProjectEvents(tx, d.project_id, [
    donationRefundedEvent(
      { id: d.id, projectId: d.project_id, orgId: d.org_id, amount, currency: d.currency, owed },
      now,
    ),
  ]);
  await tx
    .updateTable('donations')
    .set({
      status: 'refunded',
      refund_reason: reason,
      refunded_at: now,
      refund_outbox_id: outboxId!,
    })
    .where('id', '=', d.id)
    .execute();
  return 'refunded';
}
