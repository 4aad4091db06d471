import type { Kysely } from 'kysely';
import { batchOfOne, GroupCommit } from '../db/group-commit.js';
import type { DB } from '../db/schema.js';
import type { PaymentEvent, PaymentProvider } from '../payments/provider.js';
import {
  createBatch,
  type DonationRequest,
  type NewDonation,
  type Opened,
  startDonation,
} from './create-donation.js';
import { creditBatch, type SucceededCallback } from './credit-batch.js';
import { type AppliedPayment, applyPaymentEvent } from './payment-events.js';
import { type CheckoutRow, getCheckoutDonation, readCheckouts } from './queries.js';

/** The most items one batch takes: donations started, callbacks credited, checkouts read. */
const BATCH = 256;

/**
 * The donations context's working parts for one database and one payment provider: the queues
 * in which the hot requests that arrive together share one statement (db/group-commit.ts) —
 * donations started, successes credited, the sandbox checkout's reads. buildApp builds one
 * and decorates the app with it (`app.donations`); anything else that starts or pays donations
 * outside a request (the demo seed, a test, a tool) builds its own. There is no other copy:
 * what starts a donation or credits a payment takes this object, so a missing one is a type
 * error rather than a queue made up on the side.
 */
export class Donations {
  readonly starts: GroupCommit<NewDonation, Opened>;
  readonly credits: GroupCommit<SucceededCallback, AppliedPayment>;
  readonly checkouts: GroupCommit<string, CheckoutRow | undefined>;

  constructor(
    readonly db: Kysely<DB>,
    readonly provider: PaymentProvider,
  ) {
    const start = (items: readonly NewDonation[]) => createBatch(db, items);
    const credit = (callbacks: readonly SucceededCallback[]) =>
      creditBatch(db, provider.name, callbacks);
    // A batch that failed as a whole (a deadlock, a lost connection, one row breaking a
    // constraint): each of its items again alone, as a batch of one, so only a bad one fails.
    this.starts = new GroupCommit({ run: start, single: batchOfOne(start), maxBatch: BATCH });
    this.credits = new GroupCommit({ run: credit, single: batchOfOne(credit), maxBatch: BATCH });
    this.checkouts = new GroupCommit({
      run: (ids) => readCheckouts(db, ids),
      maxBatch: BATCH,
    });
  }

  /** startDonation with these queues. */
  start(r: DonationRequest, now: Date) {
    return startDonation(this, r, now);
  }

  /** applyPaymentEvent: a verified callback of this provider. */
  applyPayment(event: PaymentEvent, now: Date) {
    return applyPaymentEvent(this, event, now);
  }

  /** getCheckoutDonation: what the sandbox checkout needs, for its link's token only. */
  checkout(donationId: string, token: string) {
    return getCheckoutDonation(this, donationId, token);
  }
}
