import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { DonationStarted } from './create-donation.js';
import { addMonth } from './months.js';
import type { Donations } from './service.js';

/**
 * Charges the monthly donations that are due: each due schedule gets this month's donation
 * (Idempotency-Key `monthly-<schedule>-<due date>`, so a crash or a second server process can
 * never charge a month twice) and its next date moves a month on, in one transaction; then the
 * payment is opened with the provider like any donation. Returns the donations started.
 */
export async function chargeDueMonthly(
  donations: Donations,
  now: Date,
  limit = 100,
): Promise<DonationStarted[]> {
  const due = await donations.db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('recurring_donations as r')
      .innerJoin('projects as p', 'p.id', 'r.project_id')
      .select([
        'r.id',
        'r.project_id',
        'r.donor_user_id',
        'r.donor_email',
        'r.amount',
        'r.currency',
        'r.display_name',
        'r.anonymous',
        'r.next_charge_at',
        'p.status as project_status',
      ])
      .where('r.status', '=', 'active')
      .where('r.next_charge_at', '<=', now)
      .orderBy('r.next_charge_at')
      .limit(limit)
      .forUpdate('r')
      .skipLocked()
      .execute();
    for (const r of rows) {
      // A schedule whose project no longer takes donations ends rather than charging.
      const stillOpen = r.project_status === 'published';
      await tx
        .updateTable('recurring_donations')
        .set(
          stillOpen
            ? { next_charge_at: addMonth(r.next_charge_at) }
            : { status: 'stopped', stopped_at: now },
        )
        .where('id', '=', r.id)
        .execute();
    }
    return rows.filter((r) => r.project_status === 'published');
  });
  const started: DonationStarted[] = [];
  for (const r of due) {
    try {
      started.push(
        await donations.start(
          {
            projectId: r.project_id,
            amount: Number(r.amount),
            currency: r.currency,
            frequency: 'monthly',
            anonymous: r.anonymous,
            displayName: r.display_name,
            message: null,
            email: r.donor_email,
            userId: r.donor_user_id,
            idempotencyKey: `monthly-${r.id}-${r.next_charge_at.toISOString().slice(0, 10)}`,
            recurringId: r.id,
          },
          now,
        ),
      );
    } catch (err) {
      // The month's donation row exists or will be retried next round with the same key.
      if (!(err instanceof AppError)) throw err;
    }
  }
  return started;
}

/**
 * Runs chargeDueMonthly every `everyMs`. With the sandbox provider the payment is confirmed
 * right away through the signed-callback route, as a card on file would be; a real provider
 * confirms through its own webhook (with Stripe the donor confirms the PaymentIntent, since
 * this instance keeps no saved cards).
 */
export function startMonthlyScheduler(app: FastifyInstance, everyMs: number): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = async () => {
    const started = await chargeDueMonthly(app.donations, app.clock());
    if (started.length) app.log.info({ count: started.length }, 'monthly donations charged');
    if (app.payments.name !== 'sandbox') return;
    for (const s of started) {
      const row = await app.db
        .selectFrom('donations')
        .select(['provider_ref', 'amount', 'currency', 'status'])
        .where('id', '=', s.donation.id)
        .executeTakeFirstOrThrow();
      if (row.status !== 'pending' || !row.provider_ref) continue;
      const { body, headers } = app.payments.signCallback({
        kind: 'payment.succeeded',
        providerRef: row.provider_ref,
        donationId: s.donation.id,
        amount: Number(row.amount),
        currency: row.currency,
      });
      await app.inject({
        method: 'POST',
        url: '/api/payments/webhooks/sandbox',
        payload: body,
        headers,
      });
    }
  };
  const timer = setInterval(() => {
    if (running || app.closing) return;
    running = tick()
      .catch((err) => app.log.error({ err }, 'monthly donations: a round failed; it is retried'))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
