import { type Kysely, sql } from 'kysely';
import { type ItemResult, LATER } from '../db/group-commit.js';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { appendEvents } from '../ledger/append-event.js';
import { donationReceivedEvent } from '../ledger/events.js';
import type { PaymentEvent, PaymentEventKind } from '../payments/provider.js';
import { FUND_SHARDS, fen } from '../projects/money.js';
import { donorCommitment } from './donor-secret.js';
import { addMonth } from './months.js';
import {
  type AppliedPayment,
  type DonationMoney,
  refundReason,
  sameMoney,
  takeBack,
} from './payment-rules.js';

export interface SucceededCallback {
  /** A verified `payment.succeeded`. */
  event: PaymentEvent;
  now: Date;
}

/**
 * THE credit path: every verified `payment.succeeded` is credited here, in a batch of however
 * many arrived together (one when it arrived alone, or when a failed batch is retried callback
 * by callback). Each callback's outcome is decided as it would be alone: a replayed event id is
 * `duplicate`; a payment no donation has is `unknown_donation`; a donation already paid or
 * taken back is `not_pending`; a wrong amount or currency is `amount_mismatch`; otherwise
 * `credited` — a pending donation, or one marked failed (a failure delivered before the
 * success, or a retry that then succeeded: the money was taken). A first monthly payment
 * activates its schedule. A refund or dispute that was held for a donation credited here
 * (payment-events.ts) is applied in the same transaction, after the credit. A second callback
 * for an event id or a payment already in this batch waits for the next one (LATER), where it
 * is a replay of a settled one.
 *
 * Statements, whatever the batch's size: BEGIN; record the callbacks and lock their unpaid
 * donations; (only if some callback found no unpaid donation) look those up; credit the fund
 * shards, draw the paidSeqs and find held notices; queue the `donation.received` events; mark
 * the donations paid and record every outcome; (only if a notice was held) take those
 * donations back; COMMIT.
 *
 * Locks, and why this order cannot deadlock with anything else that moves money:
 * 1. The unpaid (pending or failed) donations, in id order (the batch's own sort; two batches
 *    never wait on each other's donations in a cycle). A refund or dispute of an unpaid
 *    donation takes that donation's lock too, before anything else, to record its notice as
 *    held (payment-events.ts): so a notice is either held before this batch locks the
 *    donation, and seen by the next statement, or it waits for this batch to commit and then
 *    finds the donation paid.
 * 2. The fund shards, in (project, shard) order, the order every spender locks a project's
 *    shards in: the credited ones, and all 16 of a project one of whose donations has a held
 *    notice (taking it back debits the project's balance as a spender does). A disbursement
 *    holds all of a project's shards and then writes only PAID donations (its allocations); a
 *    refund holds them and then locks its donation only if that is paid. This batch holds only
 *    UNPAID donations, so nobody holding a shard ever waits for a lock held here, and a cycle
 *    needs one.
 * 3. The callbacks' own payment_events rows, inserted in event id order by the same statement
 *    as 1 and, as planned (the ORDER BY sorts every row before the first is locked), before
 *    any donation is locked; so two batches holding one event id (a delivery racing its
 *    replay on two server processes) wait for each other only there. And, for a first monthly
 *    payment, its schedule row, which no shard holder touches.
 * Should PostgreSQL still find a deadlock, it fails one transaction, and a failed batch is
 * retried callback by callback (db/group-commit.ts): outcomes stay right.
 */
export async function creditBatch(
  db: Kysely<DB>,
  provider: string,
  callbacks: readonly SucceededCallback[],
): Promise<ItemResult<AppliedPayment>[]> {
  const eventIds = new Set<string>();
  const payments = new Set<string>();
  const taken: SucceededCallback[] = [];
  const slots = callbacks.map((c) => {
    if (eventIds.has(c.event.eventId) || payments.has(c.event.providerRef)) return -1;
    eventIds.add(c.event.eventId);
    payments.add(c.event.providerRef);
    return taken.push(c) - 1;
  });
  const applied = await db.transaction().execute((tx) => creditAll(tx, provider, taken));
  return slots.map((slot) => (slot < 0 ? LATER : { value: applied[slot]! }));
}

/** The `donation.received` event of a donation row credited with this paidSeq. */
function receivedEvent(
  d: Pick<Locked, 'id' | 'project_id' | 'org_id' | 'amount' | 'currency' | 'donor_secret'>,
  paidSeq: string,
  now: Date,
) {
  return donationReceivedEvent(
    {
      id: d.id,
      projectId: d.project_id,
      orgId: d.org_id,
      amount: fen(d.amount),
      currency: d.currency,
      paidSeq: Number(paidSeq),
      donor: donorCommitment(d.donor_secret, d.id),
    },
    now,
  );
}

interface Locked extends DonationMoney {
  event_id: string;
  donor_secret: Uint8Array;
  recurring_id: string | null;
}

/**
 * creditBatch's work inside the caller's transaction, for callbacks with distinct event ids and
 * payments: what creditBatch runs, and what a test runs to hold a credit's locks open.
 */
export async function creditAll(
  tx: Kysely<DB>,
  provider: string,
  callbacks: readonly SucceededCallback[],
): Promise<AppliedPayment[]> {
  const events = callbacks.map((c) => c.event.eventId);
  const refs = callbacks.map((c) => c.event.providerRef);
  // Compared as text: a donation id that is not a uuid (a provider's metadata is anyone's to
  // write) then matches no donation instead of failing the whole batch's cast.
  const donationIds = callbacks.map((c) => c.event.donationId.toLowerCase() || null);

  // Recording the callbacks (a replayed event id records nothing) and locking the donations of
  // the fresh ones are one statement. Only unpaid rows are locked: a row paid by another
  // transaction while this one waited for its lock is passed over, and looked up below.
  const { rows: locked } = await sql<Locked>`${PREPARED}
    with b as (
      select * from unnest(${events}::text[], ${refs}::text[], ${donationIds}::text[])
        as b(event_id, provider_ref, donation_id)
    ), recorded as (
      insert into payment_events (provider, event_id, kind, donation_id, outcome)
      select ${provider}, event_id, 'payment.succeeded', null, 'pending' from b order by event_id
      on conflict (provider, event_id) do nothing
      returning event_id
    )
    select b.event_id, d.id, d.project_id, d.org_id, d.amount, d.currency, d.shard,
      d.donor_secret, d.recurring_id
    from recorded r
    join b on b.event_id = r.event_id
    join donations d on d.provider = ${provider} and d.provider_ref = b.provider_ref
      and (b.donation_id is null or d.id::text = b.donation_id)
    where d.status in ('pending', 'failed')
    order by d.id
    for update of d`.execute(tx);

  const byEvent = new Map(locked.map((row) => [row.event_id, row]));
  const outcomes = new Map<string, AppliedPayment>();
  const missing = callbacks.filter((c) => !byEvent.has(c.event.eventId));
  if (missing.length > 0) {
    // A callback recorded by this transaction still has outcome 'pending' (rows settled by
    // earlier deliveries never do): that tells a first delivery from a replay.
    const { rows } = await sql<{ event_id: string; outcome: string; donation_id: string | null }>`
      select b.event_id, p.outcome, d.id as donation_id
      from unnest(
        ${missing.map((c) => c.event.eventId)}::text[],
        ${missing.map((c) => c.event.providerRef)}::text[],
        ${missing.map((c) => c.event.donationId.toLowerCase() || null)}::text[]
      ) as b(event_id, provider_ref, donation_id)
      join payment_events p on p.provider = ${provider} and p.event_id = b.event_id
      left join donations d on d.provider = ${provider} and d.provider_ref = b.provider_ref
        and (b.donation_id is null or d.id::text = b.donation_id)`.execute(tx);
    for (const row of rows) {
      outcomes.set(
        row.event_id,
        row.outcome !== 'pending'
          ? { outcome: 'duplicate', donationId: null }
          : row.donation_id
            ? { outcome: 'not_pending', donationId: row.donation_id }
            : { outcome: 'unknown_donation', donationId: null },
      );
    }
  }

  const credited: { d: Locked; now: Date }[] = [];
  for (const c of callbacks) {
    const d = byEvent.get(c.event.eventId);
    if (!d) continue;
    const matches = sameMoney(c.event, d);
    outcomes.set(c.event.eventId, {
      outcome: matches ? 'credited' : 'amount_mismatch',
      donationId: d.id,
    });
    if (matches) credited.push({ d, now: c.now });
  }

  const { seqs, held } =
    credited.length > 0
      ? await creditShards(
          tx,
          credited.map((c) => c.d),
        )
      : { seqs: [], held: [] };
  const outboxIds = await appendEvents(
    tx,
    credited.map(({ d, now }, i) => receivedEvent(d, seqs[i]!, now)),
  );

  const results = callbacks.map((c) => {
    const applied = outcomes.get(c.event.eventId);
    if (!applied) throw new Error(`callback ${c.event.eventId}: no outcome decided`);
    return applied;
  });
  const settled = results.flatMap((r, i) =>
    r.outcome === 'duplicate' ? [] : [{ eventId: events[i]!, ...r }],
  );
  const schedules = credited.filter((c) => c.d.recurring_id);
  // The outcomes, the donations marked paid and a first monthly payment's schedule activated,
  // in one statement.
  await sql`${PREPARED}
    with settled as (
      update payment_events p set outcome = v.outcome, donation_id = v.donation_id
      from unnest(
        ${settled.map((s) => s.eventId)}::text[],
        ${settled.map((s) => s.outcome)}::text[],
        ${settled.map((s) => s.donationId)}::uuid[]
      ) as v(event_id, outcome, donation_id)
      where p.provider = ${provider} and p.event_id = v.event_id
    )${
      schedules.length > 0
        ? sql`, schedules as (
      update recurring_donations r set status = 'active', next_charge_at = v.next_charge_at
      from unnest(
        ${schedules.map((c) => c.d.recurring_id)}::uuid[],
        ${schedules.map((c) => addMonth(c.now))}::timestamptz[]
      ) as v(id, next_charge_at)
      where r.id = v.id and r.status = 'pending'
    )`
        : sql``
    }
    update donations d
    set status = 'paid', paid_seq = v.paid_seq, paid_at = v.paid_at, outbox_id = v.outbox_id
    from unnest(
      ${credited.map((c) => c.d.id)}::uuid[],
      ${seqs}::bigint[],
      ${credited.map((c) => c.now)}::timestamptz[],
      ${outboxIds}::bigint[]
    ) as v(id, paid_seq, paid_at, outbox_id)
    where d.id = v.id`.execute(tx);

  if (held.length > 0) await applyHeld(tx, provider, credited, held);
  return results;
}

/** A refund or dispute recorded as held for a donation this batch credits. */
interface HeldNotice {
  eventId: string;
  kind: PaymentEventKind;
  donationId: string;
}

/**
 * Takes back the donations just credited that had a refund or dispute waiting, with the rule
 * of any other refund (takeBack; the shards are locked already, the donation too), once each
 * whatever the number of notices: the notice whose kind gives the reason is `refunded`, any
 * other `already_refunded`. Rare: one statement per notice.
 */
async function applyHeld(
  tx: Kysely<DB>,
  provider: string,
  credited: readonly { d: Locked; now: Date }[],
  held: readonly HeldNotice[],
) {
  for (const { d, now } of credited) {
    const notices = held.filter((h) => h.donationId === d.id);
    if (notices.length === 0) continue;
    const reason = refundReason(notices.map((n) => n.kind));
    await takeBack(tx, { ...d, status: 'paid', allocated: '0', refund_reason: null }, reason, now);
    const winner = notices.find((n) => refundReason([n.kind]) === reason)!;
    for (const n of notices) {
      await tx
        .updateTable('payment_events')
        .set({ outcome: n === winner ? 'refunded' : 'already_refunded' })
        .where('provider', '=', provider)
        .where('event_id', '=', n.eventId)
        .execute();
    }
  }
}

/**
 * Credits the donations' fund shards, one row per (project, shard) with the sums, and draws
 * one paidSeq per donation, in the donations' order; and finds the refunds and disputes held
 * for these donations. Locked, in (project, shard) order: the credited shards, and every shard
 * of a project with a held notice (applyHeld debits those as a spender does). The draw comes
 * after every shard row is locked and updated (the WHERE's sub-select runs once, before the
 * first row; docs/money.md says why the order matters). The held notices are read by this
 * statement, which starts after the donations are locked, so none held before is missed, and
 * none can be held after (payment-events.ts). One statement.
 */
async function creditShards(
  tx: Kysely<DB>,
  donations: readonly Locked[],
): Promise<{ seqs: string[]; held: HeldNotice[] }> {
  const sums = new Map<string, { project: string; shard: number; amount: bigint; n: number }>();
  for (const d of donations) {
    const key = `${d.project_id}/${d.shard}`;
    const sum = sums.get(key) ?? { project: d.project_id, shard: d.shard, amount: 0n, n: 0 };
    sum.amount += BigInt(d.amount);
    sum.n += 1;
    sums.set(key, sum);
  }
  const groups = [...sums.values()];
  const { rows } = await sql<{ seq: string; held: HeldNotice[] | null }>`${PREPARED}
    with v as (
      select * from unnest(
        ${groups.map((g) => g.project)}::uuid[],
        ${groups.map((g) => g.shard)}::smallint[],
        ${groups.map((g) => g.amount.toString())}::bigint[],
        ${groups.map((g) => g.n)}::integer[]
      ) as v(project_id, shard, amount, n)
    ), held as materialized (
      select e.event_id, e.kind, e.donation_id, c.project_id
      from payment_events e
      join unnest(
        ${donations.map((d) => d.id)}::uuid[],
        ${donations.map((d) => d.project_id)}::uuid[]
      ) as c(donation_id, project_id) on c.donation_id = e.donation_id
      where e.outcome = 'held' and e.donation_id = any(${donations.map((d) => d.id)}::uuid[])
    ), w as (
      select project_id, shard from v
      union
      select h.project_id, s::smallint from held h
      cross join generate_series(0, ${FUND_SHARDS - 1}::integer) s
    ), locked as materialized (
      select f.project_id, f.shard from project_funds f join w using (project_id, shard)
      order by f.project_id, f.shard
      for update of f
    ), credited as (
      update project_funds f
      set raised = f.raised + v.amount, balance = f.balance + v.amount, donations = f.donations + v.n
      from locked l join v using (project_id, shard)
      where f.project_id = l.project_id and f.shard = l.shard
      returning 1
    )
    select nextval('donation_paid_seq')::text as seq,
      (select json_agg(json_build_object(
        'eventId', event_id, 'kind', kind, 'donationId', donation_id) order by event_id)
        from held) as held
    from generate_series(1, ${donations.length}::integer)
    where (select count(*) from credited) = ${groups.length}`.execute(tx);
  if (rows.length !== donations.length) {
    throw new Error(
      `fund shards missing: ${groups.length} expected for ${donations.length} credits`,
    );
  }
  // Drawn in ascending order; sorted anyway so nothing rests on the order rows come back in.
  const seqs = rows
    .map((r) => r.seq)
    .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return { seqs, held: rows[0]!.held ?? [] };
}
