import { createHash, randomUUID } from 'node:crypto';
import type { DonationStarted } from '@goodtrace/contract';
import { type Kysely, sql } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import { GroupCommit, type ItemResult } from '../db/group-commit.js';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PaymentProvider, PaymentStart } from '../payments/provider.js';
import { PaymentProviderError } from '../payments/provider.js';
import { SandboxPaymentProvider } from '../payments/sandbox.js';
import { CURRENCY, checkAmount, checkCurrency, FUND_SHARDS } from '../projects/money.js';
import { accessToken, hashToken, newDonorSecret, shardOf } from './donor-secret.js';

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
 */
export async function startDonation(
  db: Kysely<DB>,
  provider: PaymentProvider,
  r: DonationRequest,
  now: Date,
): Promise<DonationStarted> {
  checkCurrency(r.currency);
  checkAmount(r.amount, 'A donation');
  if (!r.userId && !r.email) throw new AppError('guest_email_required');
  const hash = requestHash(r);

  if (r.frequency === 'once') {
    const created = await createOnce(db, provider, r, hash, now);
    if (created) return created;
  }
  let row = await findByKey(db, r.idempotencyKey);
  if (!row) {
    const project = await db
      .selectFrom('projects')
      .select(['org_id', 'status', 'end_date'])
      .where('id', '=', r.projectId)
      .executeTakeFirst();
    if (!project) throw new AppError('not_found', 'No such project.');
    if (project.status !== 'published') throw new AppError('project_not_open');
    if (project.end_date < lastOpenDay(now)) {
      throw new AppError('project_not_open', `This project ended on ${project.end_date}.`);
    }
    const id = randomUUID();
    const secret = newDonorSecret();
    try {
      await db.transaction().execute(async (tx) => {
        let recurringId: string | null = r.recurringId ?? null;
        if (r.frequency === 'monthly' && !recurringId) {
          // Active once the first payment succeeds; the scheduler charges it monthly after that.
          ({ id: recurringId } = await tx
            .insertInto('recurring_donations')
            .values({
              project_id: r.projectId,
              donor_user_id: r.userId,
              donor_email: r.email?.toLowerCase() ?? null,
              amount: r.amount,
              currency: CURRENCY,
              display_name: r.displayName?.trim() || null,
              anonymous: r.anonymous,
              next_charge_at: now,
              status: 'pending',
            })
            .returning('id')
            .executeTakeFirstOrThrow());
        }
        await tx
          .insertInto('donations')
          .values({
            id,
            project_id: r.projectId,
            org_id: project.org_id,
            amount: r.amount,
            currency: CURRENCY,
            status: 'pending',
            donor_user_id: r.userId,
            donor_email: r.email?.toLowerCase() ?? null,
            display_name: r.displayName?.trim() || null,
            anonymous: r.anonymous,
            message: r.message?.trim() || null,
            recurring_id: recurringId,
            idempotency_key: r.idempotencyKey,
            request_hash: hash,
            provider: provider.name,
            shard: shardOf(id, FUND_SHARDS),
            donor_secret: secret,
            access_token_hash: hashToken(accessToken(secret)),
            created_at: now,
          })
          .execute();
      });
    } catch (err) {
      // Two retries racing: the other one created it; answer as a retry.
      if (!isUniqueViolation(err, 'donations_idempotency_key_key')) throw err;
    }
    row = (await findByKey(db, r.idempotencyKey))!;
    if (row.id === id) return withPayment(db, provider, row, r, true);
  }
  if (row.request_hash !== hash) throw new AppError('idempotency_key_reused');
  return withPayment(db, provider, row, r, false);
}

/**
 * The common case — a one-off donation with a key never seen — in one statement instead of a
 * look-up, a transaction and a re-read: the row is inserted only if the project is published,
 * and a key already taken inserts nothing (ON CONFLICT DO NOTHING, which also settles two
 * racing retries). Whenever nothing was inserted, startDonation goes on as before, so retries
 * and refusals are answered exactly as they always were.
 *
 * Concurrent requests share that statement (createBatch). The sandbox's payment is opened
 * first and stored by the same statement: it is computed here (a reference and a checkout
 * URL), calls no one and keeps nothing, so a payment opened for a row that is then not
 * inserted has no effect. A real provider (Stripe) is called only once the row exists, outside
 * any transaction, and its payment stored by withPayment, as before.
 */
async function createOnce(
  db: Kysely<DB>,
  provider: PaymentProvider,
  r: DonationRequest,
  hash: string,
  now: Date,
): Promise<DonationStarted | undefined> {
  const id = randomUUID();
  const secret = newDonorSecret();
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
  const title = await createQueue(db).submit({ id, r, hash, now, secret, provider, payment });
  if (title === null) return undefined;
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
    recurring_id: null,
  };
  return withPayment(db, provider, row, r, true, title);
}

interface NewDonation {
  id: string;
  r: DonationRequest;
  hash: string;
  now: Date;
  secret: Buffer;
  provider: PaymentProvider;
  payment: PaymentStart | null;
}

/** The most donations one INSERT takes. */
const CREATE_BATCH = 256;

const createQueues = new WeakMap<Kysely<DB>, GroupCommit<NewDonation, string | null>>();

function createQueue(db: Kysely<DB>) {
  let queue = createQueues.get(db);
  if (!queue) {
    queue = new GroupCommit<NewDonation, string | null>({
      run: (items) => createBatch(db, items),
      // One row breaking the statement (say, a signed-in donor deleted meanwhile: a foreign
      // key) fails the batch: each row again alone, so the error reaches only its request.
      single: async (item) => {
        const [result] = await createBatch(db, [item]);
        return (result as { value: string | null }).value;
      },
      maxBatch: CREATE_BATCH,
    });
    createQueues.set(db, queue);
  }
  return queue;
}

/**
 * Inserts the donations whose project takes donations now and whose key is free, in one
 * statement; each item's answer is its project's title when its row went in, null when not.
 * Rows go in Idempotency-Key order, so two batches racing over the same keys (two server
 * processes, retries) wait for each other in one order rather than deadlock.
 */
async function createBatch(
  db: Kysely<DB>,
  items: readonly NewDonation[],
): Promise<ItemResult<string | null>[]> {
  const col = <V>(f: (item: NewDonation) => V) => items.map(f);
  const { rows } = await sql<{ id: string; title: string }>`${PREPARED}
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
        ${col((i) => lastOpenDay(i.now))}::date[],
        ${col((i) => i.payment?.providerRef ?? null)}::text[],
        ${col((i) => i.payment?.checkoutUrl ?? null)}::text[],
        ${col((i) => i.payment?.clientSecret ?? null)}::text[]
      ) as v(id, project_id, amount, donor_user_id, donor_email, display_name, anonymous,
        message, idempotency_key, request_hash, provider, shard, donor_secret,
        access_token_hash, created_at, last_open_day, provider_ref, checkout_url, client_secret)
    ), d as (
      insert into donations (id, project_id, org_id, amount, currency, status, donor_user_id,
        donor_email, display_name, anonymous, message, idempotency_key, request_hash, provider,
        shard, donor_secret, access_token_hash, created_at, provider_ref, checkout_url,
        client_secret)
      select v.id, v.project_id, p.org_id, v.amount, ${CURRENCY}, 'pending', v.donor_user_id,
        v.donor_email, v.display_name, v.anonymous, v.message, v.idempotency_key,
        v.request_hash, v.provider, v.shard, v.donor_secret, v.access_token_hash, v.created_at,
        v.provider_ref, v.checkout_url, v.client_secret
      from v
      join projects p on p.id = v.project_id and p.status = 'published'
        and p.end_date >= v.last_open_day
      order by v.idempotency_key
      on conflict (idempotency_key) do nothing
      returning id, project_id
    )
    select d.id, p.title from d join projects p on p.id = d.project_id`.execute(db);
  const titles = new Map(rows.map((row) => [row.id, row.title]));
  return items.map((item) => ({ value: titles.get(item.id) ?? null }));
}

/**
 * The earliest end date a project may have and still take donations now: its last day counts
 * until it is over everywhere (UTC−12 is the last zone to leave a day).
 */
function lastOpenDay(now: Date): string {
  return new Date(now.getTime() - 12 * 3_600_000).toISOString().slice(0, 10);
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
