import { createHash, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PaymentProvider } from '../payments/provider.js';
import { PaymentProviderError } from '../payments/provider.js';
import { CURRENCY, checkCurrency, FUND_SHARDS, MAX_AMOUNT } from '../projects/money.js';
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

export interface DonationStarted {
  /** false when an earlier request with the same Idempotency-Key already created it. */
  created: boolean;
  donation: {
    id: string;
    projectId: string;
    amount: number;
    currency: string;
    status: string;
    frequency: 'once' | 'monthly';
  };
  payment: {
    provider: string;
    testMode: boolean;
    checkoutUrl: string | null;
    clientSecret: string | null;
  };
  /** For the donor's own page: /donations/:id?token=… */
  accessToken: string;
}

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
  if (!Number.isSafeInteger(r.amount) || r.amount <= 0 || r.amount > MAX_AMOUNT) {
    throw new AppError('invalid_amount');
  }
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
  const { rows } = await sql<{ title: string }>`
    with p as (
      select org_id, title from projects
      where id = ${r.projectId} and status = 'published' and end_date >= ${lastOpenDay(now)}::date
    ), d as (
      insert into donations (id, project_id, org_id, amount, currency, status, donor_user_id,
        donor_email, display_name, anonymous, message, idempotency_key, request_hash, provider,
        shard, donor_secret, access_token_hash, created_at)
      select ${id}::uuid, ${r.projectId}::uuid, p.org_id, ${r.amount}::bigint, ${CURRENCY},
        'pending', ${r.userId}::uuid, ${r.email?.toLowerCase() ?? null}::text,
        ${r.displayName?.trim() || null}::text, ${r.anonymous}::boolean, ${r.message?.trim() || null}::text,
        ${r.idempotencyKey}, ${hash}, ${provider.name}, ${shardOf(id, FUND_SHARDS)}::smallint,
        ${secret}::bytea, ${hashToken(accessToken(secret))}, ${now}::timestamptz
      from p
      on conflict (idempotency_key) do nothing
      returning id
    )
    select p.title from d, p`.execute(db);
  if (rows.length === 0) return undefined;
  const row: Row = {
    id,
    project_id: r.projectId,
    amount: String(r.amount),
    currency: CURRENCY,
    status: 'pending',
    request_hash: hash,
    provider: provider.name,
    provider_ref: null,
    checkout_url: null,
    client_secret: null,
    donor_secret: secret,
    recurring_id: null,
  };
  return withPayment(db, provider, row, r, true, rows[0]!.title);
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
