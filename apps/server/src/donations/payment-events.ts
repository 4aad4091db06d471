import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { isUuid } from '../db/uuid.js';
import type { PaymentEvent } from '../payments/provider.js';
import { lockAllShards } from './funds.js';
import {
  type AppliedPayment,
  type PaymentOutcome,
  refundReason,
  sameMoney,
  type TakenDonation,
  takeBack,
} from './payment-rules.js';
import type { Donations } from './service.js';

export type { AppliedPayment, PaymentOutcome };

/**
 * Applies a provider's verified callback, whatever order the provider's callbacks arrive in
 * (docs/money.md, "Payment callbacks in any order"). A `payment.succeeded` is credited through
 * the one credit path (credit-batch.ts), in a batch with the successes that arrive with it;
 * failures, refunds and disputes, which are rare, each take a transaction of their own
 * (applyNotice). The same callback delivered twice changes nothing.
 */
export function applyPaymentEvent(
  donations: Pick<Donations, 'db' | 'provider' | 'credits'>,
  event: PaymentEvent,
  now: Date,
): Promise<AppliedPayment> {
  if (event.kind === 'payment.succeeded') return donations.credits.submit({ event, now });
  return applyNotice(donations.db, donations.provider.name, event, now);
}

/**
 * A failure, refund or dispute in a transaction of its own, recorded with its outcome:
 * - a failure marks a pending donation failed (after a success it changes nothing; a success
 *   after it still credits: the money was taken);
 * - a refund or dispute of exactly the donation's money takes a paid donation back
 *   (takeBack: what was spent becomes owed), is `already_refunded` for one taken back before
 *   (a chargeback's reason replaces a refund's), and is `held` for one not paid yet, until
 *   its success credits it and takes it back in the same transaction (credit-batch.ts).
 *
 * Locks. Holding a notice: the unpaid donation's row only, taken first, so a credit of it
 * (which takes that row first too) either runs before and leaves the donation paid — this
 * statement then finds nothing unpaid and takes it back below — or waits for this one and then
 * sees the held notice. Taking back: all of the project's fund shards in shard order, then the
 * PAID donation, as a disbursement does; a credit never holds a paid donation, a disbursement
 * never an unpaid one, so neither can wait for this in a cycle.
 */
export async function applyNotice(
  db: Kysely<DB>,
  provider: string,
  event: PaymentEvent,
  now: Date,
): Promise<AppliedPayment> {
  return db.transaction().execute(async (tx) => {
    const recorded = await tx
      .insertInto('payment_events')
      .values({
        provider,
        event_id: event.eventId,
        kind: event.kind,
        donation_id: null,
        outcome: 'pending',
      })
      .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (!recorded) return { outcome: 'duplicate', donationId: null };
    // A donation id that is not a uuid names no donation (and must not reach a uuid column).
    const target =
      event.donationId && !isUuid(event.donationId)
        ? undefined
        : await tx
            .selectFrom('donations')
            .select(['id', 'project_id', 'amount', 'currency'])
            .where('provider', '=', provider)
            .where('provider_ref', '=', event.providerRef)
            .$if(!!event.donationId, (q) => q.where('id', '=', event.donationId))
            .executeTakeFirst();
    const outcome = target ? await decide(tx, target, event, now) : 'unknown_donation';
    await tx
      .updateTable('payment_events')
      .set({ outcome, donation_id: target?.id ?? null })
      .where('provider', '=', provider)
      .where('event_id', '=', event.eventId)
      .execute();
    return { outcome, donationId: target?.id ?? null };
  });
}

async function decide(
  tx: Kysely<DB>,
  target: { id: string; project_id: string; amount: string; currency: string },
  event: PaymentEvent,
  now: Date,
): Promise<PaymentOutcome> {
  if (event.kind === 'payment.failed') {
    // Waits for the donation's lock if a credit holds it; paid meanwhile, it is left alone.
    const failed = await tx
      .updateTable('donations')
      .set({ status: 'failed' })
      .where('id', '=', target.id)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    return failed ? 'failed' : 'not_pending';
  }
  if (event.kind === 'payment.succeeded') {
    throw new Error('a payment.succeeded is credited by creditBatch, not applyNotice');
  }
  // Only the whole amount leaves the books (a refund is all or nothing on the log); a partial
  // refund (Stripe's charge.refunded carries the amount refunded so far) is left for support
  // rather than logged publicly as a full one.
  if (!sameMoney(event, target)) return 'amount_mismatch';
  // Not paid yet: hold the notice, with the donation's lock (see above). A row that is paid in
  // this statement's snapshot is passed over without waiting for whoever holds it.
  const unpaid = await tx
    .selectFrom('donations')
    .select('id')
    .where('id', '=', target.id)
    .where('status', 'in', ['pending', 'failed'])
    .forUpdate()
    .executeTakeFirst();
  if (unpaid) return 'held';
  await lockAllShards(tx, target.project_id);
  const d = await tx
    .selectFrom('donations')
    .select([
      'id',
      'project_id',
      'org_id',
      'amount',
      'currency',
      'shard',
      'status',
      'allocated',
      'refund_reason',
    ])
    .where('id', '=', target.id)
    .where('status', 'in', ['paid', 'refunded'])
    .forUpdate()
    .executeTakeFirstOrThrow();
  return takeBack(tx, d as TakenDonation, refundReason([event.kind]), now);
}
