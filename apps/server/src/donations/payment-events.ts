import type { Kysely, QueryCreator } from 'kysely';
import { sql } from 'kysely';
import { GroupCommit } from '../db/group-commit.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../ledger/append-event.js';
import { donationRefundedEvent } from '../ledger/events.js';
import type { PaymentEvent } from '../payments/provider.js';
import { fen } from '../projects/money.js';
import { logProjectEvents } from '../projects/project-log.js';
import { batchable, creditBatch, receivedEvent, type SucceededCallback } from './credit-batch.js';
import { debitShards, lockAllShards } from './funds.js';
import { addMonth } from './months.js';

export { addMonth };

/** What a callback did; recorded with it, and logged, so support can answer "why not credited?". */
export type PaymentOutcome =
  | 'credited'
  | 'failed'
  | 'refunded'
  | 'duplicate'
  | 'unknown_donation'
  | 'amount_mismatch'
  | 'not_pending'
  | 'not_refundable';

/** The most callbacks one credit transaction takes. */
const CREDIT_BATCH = 256;

const creditQueues = new WeakMap<
  Kysely<DB>,
  Map<string, GroupCommit<SucceededCallback, Applied>>
>();

/** The database's queue of successes waiting to be credited, one per provider. */
function creditQueue(db: Kysely<DB>, provider: string) {
  let queues = creditQueues.get(db);
  if (!queues) {
    queues = new Map();
    creditQueues.set(db, queues);
  }
  let queue = queues.get(provider);
  if (!queue) {
    queue = new GroupCommit({
      run: (callbacks) => creditBatch(db, provider, callbacks),
      // A batch that failed as a whole (a deadlock, a lost connection, one row breaking a
      // constraint): each of its callbacks again on its own, so only a bad one fails.
      single: ({ event, now }) => applyOne(db, provider, event, now),
      maxBatch: CREDIT_BATCH,
    });
    queues.set(provider, queue);
  }
  return queue;
}

/** What applying a callback did: its outcome and the donation it concerned, if any. */
type Applied = { outcome: PaymentOutcome; donationId: string | null };

/**
 * Applies a provider's verified callback. Only a `payment.succeeded` for a pending donation
 * with the exact amount and currency credits the project — in one transaction with its
 * `donation.received` event. The same callback delivered twice, or out of order (a failure
 * after a success), changes nothing.
 *
 * Successes are credited in batches (credit-batch.ts): those that arrive while a credit is
 * being written go together in the next transaction, each caller still getting its own
 * outcome. Everything else, and whatever a batch cannot take, goes through applyOne.
 */
export async function applyPaymentEvent(
  db: Kysely<DB>,
  provider: string,
  event: PaymentEvent,
  now: Date,
): Promise<Applied> {
  if (batchable(event)) return creditQueue(db, provider).submit({ event, now });
  return applyOne(db, provider, event, now);
}

/** One callback in a transaction of its own: the path every kind of callback can take. */
export async function applyOne(
  db: Kysely<DB>,
  provider: string,
  event: PaymentEvent,
  now: Date,
): Promise<Applied> {
  return db.transaction().execute(async (tx) => {
    const recordCallback = (q: QueryCreator<DB>) =>
      q
        .insertInto('payment_events')
        .values({
          provider,
          event_id: event.eventId,
          kind: event.kind,
          donation_id: null,
          outcome: 'pending',
        })
        .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
        .returning('event_id');
    const duplicate = { outcome: 'duplicate' as const, donationId: null };
    let query = tx
      .selectFrom('donations')
      .selectAll()
      .where('provider', '=', provider)
      .where('provider_ref', '=', event.providerRef);
    if (event.donationId) query = query.where('id', '=', event.donationId);

    let donation: DonationRow | undefined;
    if (event.kind === 'payment.refunded' || event.kind === 'payment.disputed') {
      if (!(await recordCallback(tx).executeTakeFirst())) return duplicate;
      // Money leaving the project takes the shard locks first, as a disbursement does, and the
      // donation's lock after them: the same order as every spender. A credit holds a pending
      // donation's lock while it waits for a shard, so this locks the donation only if it is
      // paid (a pending row in this statement's snapshot is passed over without waiting for
      // its lock): one that is not paid cannot be refunded anyway, and waiting for it here,
      // with the shards held, would be a deadlock.
      const target = await query.executeTakeFirst();
      if (target) await lockAllShards(tx, target.project_id);
      donation =
        (await query.where('status', '=', 'paid').forUpdate().executeTakeFirst()) ?? target;
    } else {
      // A payment's callback locks only its donation, so recording the callback (a replay
      // records nothing) and taking that lock are one statement. Its WITH part always runs.
      const found = await tx
        .with('recorded', recordCallback)
        .selectFrom('donations')
        .selectAll('donations')
        .select((eb) => eb.exists(eb.selectFrom('recorded').select('event_id')).as('fresh'))
        .where('provider', '=', provider)
        .where('provider_ref', '=', event.providerRef)
        .$if(!!event.donationId, (q) => q.where('id', '=', event.donationId))
        .forUpdate('donations')
        .executeTakeFirst();
      if (found) {
        const { fresh, ...row } = found;
        if (!fresh) return duplicate;
        donation = row;
      } else {
        // No such donation: the row this statement recorded is still 'pending' (rows already
        // settled by earlier deliveries never are), which tells a first delivery from a replay.
        const mine = await tx
          .selectFrom('payment_events')
          .select('outcome')
          .where('provider', '=', provider)
          .where('event_id', '=', event.eventId)
          .executeTakeFirstOrThrow();
        if (mine.outcome !== 'pending') return duplicate;
      }
    }

    const outcome = donation ? await apply(tx, donation, event, now) : 'unknown_donation';
    // A credit records its outcome with its last write (creditDonation).
    if (outcome !== 'credited') {
      await tx
        .updateTable('payment_events')
        .set({ outcome, donation_id: donation?.id ?? null })
        .where('provider', '=', provider)
        .where('event_id', '=', event.eventId)
        .execute();
    }
    return { outcome, donationId: donation?.id ?? null };
  });
}

type DonationRow = Awaited<ReturnType<ReturnType<typeof donationQuery>['executeTakeFirstOrThrow']>>;
const donationQuery = (tx: Kysely<DB>) => tx.selectFrom('donations').selectAll();

async function apply(
  tx: Kysely<DB>,
  d: DonationRow,
  event: PaymentEvent,
  now: Date,
): Promise<PaymentOutcome> {
  switch (event.kind) {
    case 'payment.succeeded':
      if (d.status !== 'pending') return 'not_pending';
      if (event.amount !== fen(d.amount) || event.currency.toUpperCase() !== d.currency)
        return 'amount_mismatch';
      await creditDonation(tx, d, now, { provider: d.provider, eventId: event.eventId });
      return 'credited';
    case 'payment.failed':
      if (d.status !== 'pending') return 'not_pending';
      await tx.updateTable('donations').set({ status: 'failed' }).where('id', '=', d.id).execute();
      if (d.recurring_id) {
        await tx
          .updateTable('recurring_donations')
          .set({ status: 'stopped', stopped_at: now })
          .where('id', '=', d.recurring_id)
          .where('status', '=', 'pending')
          .execute();
      }
      return 'failed';
    case 'payment.refunded':
    case 'payment.disputed':
      // Only the whole amount leaves the books (a refund is all or nothing on the log); a
      // partial refund (Stripe's charge.refunded carries the amount refunded so far) is left
      // for support rather than logged publicly as a full one.
      if (event.amount !== fen(d.amount) || event.currency.toUpperCase() !== d.currency)
        return 'amount_mismatch';
      try {
        await refundDonation(
          tx,
          d.id,
          event.kind === 'payment.disputed' ? 'chargeback' : 'refund',
          now,
        );
        return 'refunded';
      } catch (err) {
        if (err instanceof AppError && err.code === 'donation_not_refundable')
          return 'not_refundable';
        throw err;
      }
  }
}

/**
 * The credit path of every paid donation. It touches one of the project's fund shards (so
 * concurrent donations to one project rarely wait for each other), draws the donation's place
 * in the FIFO order (paidSeq) only after holding that shard — see docs/money.md for why — and
 * queues `donation.received`.
 */
export async function creditDonation(
  tx: Kysely<DB>,
  d: DonationRow,
  now: Date,
  /** The provider's callback that paid it: its outcome is recorded in the same statement. */
  callback?: { provider: string; eventId: string },
): Promise<void> {
  // RETURNING is computed once the shard row is updated, that is with its lock held: the
  // place in the FIFO order is still drawn after the shard, in the same round trip.
  const { seq } = await tx
    .updateTable('project_funds')
    .set((eb) => ({
      raised: eb('raised', '+', d.amount),
      balance: eb('balance', '+', d.amount),
      donations: eb('donations', '+', 1),
    }))
    .where('project_id', '=', d.project_id)
    .where('shard', '=', d.shard)
    .returning(sql<string>`nextval('donation_paid_seq')::text`.as('seq'))
    .executeTakeFirstOrThrow();
  const outboxId = await appendEvent(tx, receivedEvent(d, seq, now));
  const paid = { status: 'paid', paid_seq: seq, paid_at: now, outbox_id: outboxId } as const;
  if (callback) {
    await tx
      .with('recorded', (q) =>
        q
          .updateTable('payment_events')
          .set({ outcome: 'credited', donation_id: d.id })
          .where('provider', '=', callback.provider)
          .where('event_id', '=', callback.eventId),
      )
      .updateTable('donations')
      .set(paid)
      .where('id', '=', d.id)
      .execute();
  } else {
    await tx.updateTable('donations').set(paid).where('id', '=', d.id).execute();
  }
  if (d.recurring_id) {
    await tx
      .updateTable('recurring_donations')
      .set({ status: 'active', next_charge_at: addMonth(now) })
      .where('id', '=', d.recurring_id)
      .where('status', '=', 'pending')
      .execute();
  }
}

/**
 * A refund or chargeback of a donation none of which has been spent: its money leaves the
 * project's unspent balance and `donation.refunded` goes on the log. A donation already
 * (partly) allocated to a disbursement cannot be refunded: the money is gone to a beneficiary.
 */
export async function refundDonation(
  tx: Kysely<DB>,
  donationId: string,
  reason: 'refund' | 'chargeback',
  now: Date,
): Promise<void> {
  const d = await tx
    .selectFrom('donations')
    .selectAll()
    .where('id', '=', donationId)
    .executeTakeFirstOrThrow();
  // Lock the shards first (the order every spender uses), then re-read the donation; only a
  // paid one, so a pending donation whose credit is waiting for these shards is never waited
  // for (see applyOne).
  await lockAllShards(tx, d.project_id);
  const current = await tx
    .selectFrom('donations')
    .select(['status', 'allocated'])
    .where('id', '=', donationId)
    .where('status', '=', 'paid')
    .forUpdate()
    .executeTakeFirst();
  if (!current || fen(current.allocated) !== 0) throw new AppError('donation_not_refundable');
  const amount = fen(d.amount);
  await debitShards(tx, d.project_id, amount);
  await tx
    .updateTable('project_funds')
    .set((eb) => ({ refunded: eb('refunded', '+', String(amount)) }))
    .where('project_id', '=', d.project_id)
    .where('shard', '=', d.shard)
    .execute();
  const [outboxId] = await logProjectEvents(tx, d.project_id, [
    donationRefundedEvent(
      { id: d.id, projectId: d.project_id, orgId: d.org_id, amount, currency: d.currency, reason },
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
}
