import { createHash, randomUUID } from 'node:crypto';
import { openDays } from '@goodtrace/books';
import type { DonationStarted } from '@goodtrace/contract';
import { type Kysely, sql } from 'kysely';
import type { ItemResult } from '../db/group-commit.js';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PaymentProvider, PaymentStart } from '../payments/provider.js';
import { PaymentProviderError } from '../payments/provider.js';
import { SandboxPaymentProvider } from '../payments/sandbox.js';
import { CURRENCY, checkAmount, checkCurrency, FUND_SHARDS } from '../projects/money.js';
import { accessToken, hashToken, newDonorSecret, shardOf } from './donor-secret.js';
import type { Donations } from './service.js';

export interface DonationRequest {
  projectId: string;
  amount: number;
  currency: string;
  frequency: 'once' | 'monthly';
  anonymous: boolean;
  displayName?: string | null;
  message?: string | null;
  /** A guest's email for the receipt; signed-in donors may omit it. */
  email?: string | null;
  userId: string | null;
  idempotencyKey: string;
  /** A monthly schedule's renewal: the donation belongs to this existing schedule. */
  recurringId?: string;
}

/** What starting a donation answers: how to pay (the contract's `DonationStarted`). */
export type { DonationStarted };

function requestHash(r: DonationRequest): string {
  const fields = [
    r.projectId,
    r.amount,
    r.currency,
    r.frequency,
    r.anonymous,
    r.displayName ?? null,
    r.message ?? null,
    r.email?.toLowerCase() ?? null,
    r.userId,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * Starts a donation: a pending row, then a payment with the provider. Nothing is credited here;
 * only the provider's verified callback does that (payment-events.ts). The Idempotency-Key makes
 * a retried request return the same donation and the same payment, never a second charge.
 *
 * Every new row goes in through one statement (createBatch, shared by the requests that arrive
 * together): one-off or monthly, first payment or a schedule's renewal. The row is inserted only
 * if its project takes donations now and its key is free; whenever nothing was inserted, the
 * key's row (a retry, a racing retry, a reused key) or the project's refusal is the answer.
 *
 * The sandbox's payment is opened first and stored by that same statement: it is computed here
 * (a reference and a checkout URL), calls no one and keeps nothing, so a payment opened for a
 * row that is then not inserted has no effect. A real provider (Stripe) is called only once the
 * row exists, outside any transaction, and its payment stored by withPayment.
 */
export async function startDonation(
  donations: Pick<Donations, 'db' | 'provider' | 'starts'>,
  r: DonationRequest,
  now: Date,
): Promise<DonationStarted> {
  const { db, provider } = donations;
  checkCurrency(r.currency);
  checkAmount(r.amount, 'A donation');
  if (!r.userId && !r.email) throw new AppError('guest_email_required');
  const hash = requestHash(r);
  const id = randomUUID();
  const secret = newDonorSecret();
  const scheduleId = r.frequency === 'monthly' && !r.recurringId ? randomUUID() : null;
  const payment =
    provider instanceof SandboxPaymentProvider
      ? await provider.createPayment({
          donationId: id,
          amount: r.amount,
          currency: CURRENCY,
          // The project's title is known only once the row is in; the sandbox shows no text.
          description: `Goodtrace donation to project ${r.projectId}`,
          idempotencyKey: `donation-${id}`,
          email: r.email?.toLowerCase() ?? null,
        })
      : null;
  const opened = await donations.starts.submit({
    id,
    r,
    hash,
    now,
    secret,
    scheduleId,
    provider,
    payment,
  });
  if (opened.created) {
    const row: Row = {
      id,
      project_id: r.projectId,
      amount: String(r.amount),
      currency: CURRENCY,
      status: 'pending',
      request_hash: hash,
      provider: provider.name,
      provider_ref: payment?.providerRef ?? null,
      checkout_url: payment?.checkoutUrl ?? null,
      client_secret: payment?.clientSecret ?? null,
      donor_secret: secret,
      recurring_id: scheduleId ?? r.recurringId ?? null,
    };
    return withPayment(db, provider, row, r, true, opened.title);
  }
  // A key taken before (its row is committed: ON CONFLICT waited for a racing insert) is a
  // retry, answered even if the project has closed since; only a free key meets the refusal.
  const row = await findByKey(db, r.idempotencyKey);
  if (row) {
    if (row.request_hash !== hash) throw new AppError('idempotency_key_reused');
    return withPayment(db, provider, row, r, false);
  }
  if (opened.refusal) throw opened.refusal;
  throw new Error(`donation ${id}: neither inserted nor refused, and its key has no row`);
}

/** A donation as createBatch takes it. */
export interface NewDonation {
  id: string;
  r: DonationRequest;
  hash: string;
  now: Date;
  secret: Buffer;
  /** A new monthly schedule's id (a first monthly payment); null otherwise. */
  scheduleId: string | null;
  provider: PaymentProvider;
  payment: PaymentStart | null;
}

/** What createBatch did with a donation: its row went in, or why its project refused it. */
export type Opened =
  | { created: true; title: string }
  | { created: false; refusal: AppError | null };

/** Why a project does not take a donation now, as createBatch's statement decides it. */
type Refusal = 'unknown_project' | 'not_published' | 'not_started' | 'ended';

function refusalError(
  refusal: Refusal,
  p: { start_date: string | null; end_date: string | null },
): AppError {
  switch (refusal) {
    case 'unknown_project':
      return new AppError('not_found', 'No such project.');
    case 'not_published':
      return new AppError('project_not_open');
    case 'not_started':
      return new AppError(
        'project_not_open',
        `This project opens for donations on ${p.start_date}.`,
      );
    case 'ended':
      return new AppError('project_not_open', `This project ended on ${p.end_date}.`);
  }
}

/**
 * Inserts, in one statement, the donations whose project takes donations now and whose key is
 * free, with the schedule of a first monthly payment; each item's answer is its project's
 * title when its row went in, or why its project refused it (null when the key was taken). The
 * rule of when a project takes donations is here once: published, and at `now` on or after
 * its start date and not past its end date (packages/books openDays: a date counts from when
 * it has begun anywhere on Earth until it is over everywhere; the replay checks the start with
 * the same function). Rows go in Idempotency-Key order, so two batches racing over the same
 * keys (two server processes, retries) wait for each other in one order rather than deadlock.
 * A donation's schedule is inserted by the same statement as the donation (its foreign key is
 * checked at the statement's end) and only if the donation went in.
 */
export async function createBatch(
  db: Kysely<DB>,
  items: readonly NewDonation[],
): Promise<ItemResult<Opened>[]> {
  const col = <V>(f: (item: NewDonation) => V) => items.map(f);
  const schedules = items.some((i) => i.scheduleId);
  const { rows } = await sql<{
    id: string;
    created: boolean;
    title: string | null;
    refusal: Refusal | null;
    start_date: string | null;
    end_date: string | null;
  }>`${PREPARED}
    with v as (
      select * from unnest(
        ${col((i) => i.id)}::uuid[],
        ${col((i) => i.r.projectId)}::uuid[],
        ${col((i) => String(i.r.amount))}::bigint[],
        ${col((i) => i.r.userId)}::uuid[],
        ${col((i) => i.r.email?.toLowerCase() ?? null)}::text[],
        ${col((i) => i.r.displayName?.trim() || null)}::text[],
        ${col((i) => i.r.anonymous)}::boolean[],
        ${col((i) => i.r.message?.trim() || null)}::text[],
        ${col((i) => i.r.idempotencyKey)}::text[],
        ${col((i) => i.hash)}::text[],
        ${col((i) => i.provider.name)}::text[],
        ${col((i) => shardOf(i.id, FUND_SHARDS))}::smallint[],
        ${col((i) => i.secret)}::bytea[],
        ${col((i) => hashToken(accessToken(i.secret)))}::text[],
        ${col((i) => i.now)}::timestamptz[],
        ${col((i) => openDays(i.now).latestStart)}::date[],
        ${col((i) => openDays(i.now).earliestEnd)}::date[],
        ${col((i) => i.scheduleId ?? i.r.recurringId ?? null)}::uuid[],
        ${col((i) => i.scheduleId !== null)}::boolean[],
        ${col((i) => i.payment?.providerRef ?? null)}::text[],
        ${col((i) => i.payment?.checkoutUrl ?? null)}::text[],
        ${col((i) => i.payment?.clientSecret ?? null)}::text[]
      ) with ordinality as v(id, project_id, amount, donor_user_id, donor_email, display_name,
        anonymous, message, idempotency_key, request_hash, provider, shard, donor_secret,
        access_token_hash, created_at, latest_start, earliest_end, recurring_id, new_schedule,
        provider_ref, checkout_url, client_secret, arrival)
    ), c as (
      select v.*, p.org_id, p.title, p.start_date, p.end_date,
        case
          when p.id is null then 'unknown_project'
          when p.status <> 'published' then 'not_published'
          when p.start_date > v.latest_start then 'not_started'
          when p.end_date < v.earliest_end then 'ended'
        end as refusal
      from v left join projects p on p.id = v.project_id
    ), d as (
      insert into donations (id, project_id, org_id, amount, currency, status, donor_user_id,
        donor_email, display_name, anonymous, message, recurring_id, idempotency_key,
        request_hash, provider, shard, donor_secret, access_token_hash, created_at,
        provider_ref, checkout_url, client_secret)
      select c.id, c.project_id, c.org_id, c.amount, ${CURRENCY}, 'pending', c.donor_user_id,
        c.donor_email, c.display_name, c.anonymous, c.message, c.recurring_id,
        c.idempotency_key, c.request_hash, c.provider, c.shard, c.donor_secret,
        c.access_token_hash, c.created_at, c.provider_ref, c.checkout_url, c.client_secret
      from c
      where c.refusal is null
      -- Of two requests with one key in a batch, the first to arrive is inserted, as alone.
      order by c.idempotency_key, c.arrival
      on conflict (idempotency_key) do nothing
      returning id
    )${
      schedules
        ? sql`, s as (
      -- Active once the first payment succeeds; the scheduler charges it monthly after that.
      insert into recurring_donations (id, project_id, donor_user_id, donor_email, amount,
        currency, display_name, anonymous, next_charge_at, status)
      select c.recurring_id, c.project_id, c.donor_user_id, c.donor_email, c.amount,
        ${CURRENCY}, c.display_name, c.anonymous, c.created_at, 'pending'
      from c join d on d.id = c.id
      where c.new_schedule
    )`
        : sql``
    }
    select c.id, d.id is not null as created, c.title, c.refusal,
      c.start_date::text as start_date, c.end_date::text as end_date
    from c left join d on d.id = c.id`.execute(db);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return items.map((item) => {
    const row = byId.get(item.id)!;
    return {
      value: row.created
        ? { created: true, title: row.title! }
        : { created: false, refusal: row.refusal ? refusalError(row.refusal, row) : null },
    };
  });
}

function findByKey(db: Kysely<DB>, key: string) {
  return db
    .selectFrom('donations')
    .select([
      'id',
      'project_id',
      'amount',
      'currency',
      'status',
      'request_hash',
      'provider',
      'provider_ref',
      'checkout_url',
      'client_secret',
      'donor_secret',
      'recurring_id',
    ])
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

type Row = NonNullable<Awaited<ReturnType<typeof findByKey>>>;

/** Opens the payment if this donation has none yet (first request, or a retry after a failure). */
async function withPayment(
  db: Kysely<DB>,
  provider: PaymentProvider,
  row: Row,
  r: DonationRequest,
  created: boolean,
  projectTitle?: string,
): Promise<DonationStarted> {
  let { provider_ref, checkout_url, client_secret } = row;
  if (!provider_ref && row.status === 'pending') {
    const title =
      projectTitle ??
      (
        await db
          .selectFrom('projects')
          .select('title')
          .where('id', '=', row.project_id)
          .executeTakeFirstOrThrow()
      ).title;
    let start: Awaited<ReturnType<PaymentProvider['createPayment']>>;
    try {
      start = await provider.createPayment({
        donationId: row.id,
        amount: Number(row.amount),
        currency: CURRENCY,
        description: `Goodtrace donation to ${title}`,
        idempotencyKey: `donation-${row.id}`,
        email: r.email?.toLowerCase() ?? null,
      });
    } catch (err) {
      if (err instanceof PaymentProviderError) throw new AppError('payment_provider_unavailable');
      throw err;
    }
    ({ providerRef: provider_ref, checkoutUrl: checkout_url, clientSecret: client_secret } = start);
    const stored = await db
      .updateTable('donations')
      .set({ provider_ref, checkout_url, client_secret })
      .where('id', '=', row.id)
      .where('provider_ref', 'is', null)
      .returning(['provider_ref', 'checkout_url', 'client_secret'])
      .executeTakeFirst();
    // A racing retry may have stored its payment first: answer with the one that was kept.
    ({ provider_ref, checkout_url, client_secret } =
      stored ??
      (await db
        .selectFrom('donations')
        .select(['provider_ref', 'checkout_url', 'client_secret'])
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow()));
  }
  return {
    created,
    donation: {
      id: row.id,
      projectId: row.project_id,
      amount: Number(row.amount),
      currency: row.currency,
      status: row.status,
      frequency: row.recurring_id ? 'monthly' : 'once',
    },
    payment: {
      provider: row.provider,
      testMode: provider.testMode,
      checkoutUrl: checkout_url,
      clientSecret: client_secret,
    },
    accessToken: accessToken(row.donor_secret),
  };
}
