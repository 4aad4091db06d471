import { hashLeaf } from '@goodtrace/ledger';
import { type Kysely, sql } from 'kysely';
import type { ItemResult } from '../db/group-commit.js';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { currentSize, getReceipts, logEntries, type ReceiptSource } from '../ledger/read.js';
import { fen } from '../projects/money.js';
import type { ReceiptPdfData } from '../receipts/receipt-pdf.js';
import { donationAllocations, listDisbursements } from '../spending/queries.js';
import { donorCommitment, tokenMatches } from './donor-secret.js';
import type { Donations } from './service.js';

/** A project's paid donations as the public sees them: the donor's chosen name or "anonymous". */
export async function listProjectDonations(
  db: Kysely<DB>,
  projectId: string,
  page: number,
  pageSize: number,
) {
  const base = db
    .selectFrom('donations')
    .where('project_id', '=', projectId)
    .where('status', 'in', ['paid', 'refunded']);
  const [rows, count] = await Promise.all([
    base
      .select([
        'id',
        'amount',
        'currency',
        'status',
        'anonymous',
        'display_name',
        'message',
        'paid_at',
        'recurring_id',
      ])
      .orderBy('paid_at', 'desc')
      .orderBy('id')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    // Every donation listed here was counted once on its fund shard when it was credited (a
    // refund leaves it listed and counted): 16 rows to add up instead of counting them all.
    db
      .selectFrom('project_funds')
      .select((eb) => eb.fn.sum<string>('donations').as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map((r) => ({
      receiptId: r.id,
      amount: fen(r.amount),
      currency: r.currency,
      status: r.status as 'paid' | 'refunded',
      anonymous: r.anonymous,
      displayName: r.anonymous ? null : r.display_name,
      message: r.message,
      monthly: r.recurring_id !== null,
      paidAt: r.paid_at!.toISOString(),
    })),
    total: Number(count.n ?? 0),
    page,
    pageSize,
  };
}

export interface DonorAccess {
  token?: string | undefined;
  userId?: string | null | undefined;
}

/**
 * The donor's own view of a donation: reached with the token from the donation's link, or
 * signed in as the donor. Anyone else gets not_found (nothing tells them it exists).
 */
export async function getDonorDonation(db: Kysely<DB>, donationId: string, access: DonorAccess) {
  const d = await db
    .selectFrom('donations as d')
    .innerJoin('projects as p', 'p.id', 'd.project_id')
    .innerJoin('orgs as o', 'o.id', 'd.org_id')
    .select([
      'd.id',
      'd.project_id',
      'p.title as project_title',
      'd.org_id',
      'o.name as org_name',
      'd.amount',
      'd.currency',
      'd.status',
      'd.anonymous',
      'd.display_name',
      'd.message',
      'd.donor_user_id',
      'd.donor_email',
      'd.donor_secret',
      'd.access_token_hash',
      'd.provider',
      'd.checkout_url',
      'd.recurring_id',
      'd.paid_at',
      'd.paid_seq',
      'd.allocated',
      'd.outbox_id',
      'd.refunded_at',
      'd.refund_reason',
      'd.created_at',
    ])
    .where('d.id', '=', donationId)
    .executeTakeFirst();
  const allowed =
    d &&
    ((access.token && tokenMatches(access.token, d.access_token_hash)) ||
      (access.userId && access.userId === d.donor_user_id));
  if (!d || !allowed)
    throw new AppError('not_found', 'No such donation, or this link is not yours.');
  const recurring = d.recurring_id
    ? await db
        .selectFrom('recurring_donations')
        .select(['id', 'status', 'next_charge_at'])
        .where('id', '=', d.recurring_id)
        .executeTakeFirst()
    : undefined;
  const amount = fen(d.amount);
  return {
    id: d.id,
    projectId: d.project_id,
    projectTitle: d.project_title,
    orgId: d.org_id,
    orgName: d.org_name,
    amount,
    currency: d.currency,
    status: d.status,
    anonymous: d.anonymous,
    displayName: d.display_name,
    message: d.message,
    email: d.donor_email,
    provider: d.provider,
    checkoutUrl: d.status === 'pending' ? d.checkout_url : null,
    monthly: recurring
      ? {
          id: recurring.id,
          status: recurring.status,
          nextChargeAt: recurring.next_charge_at.toISOString(),
        }
      : null,
    createdAt: d.created_at.toISOString(),
    paidAt: d.paid_at ? d.paid_at.toISOString() : null,
    paidSeq: d.paid_seq === null ? null : Number(d.paid_seq),
    allocated: fen(d.allocated),
    unspent: d.status === 'paid' ? amount - fen(d.allocated) : 0,
    // What was spent of a donation taken back is what the charity owes for it.
    refund: d.refunded_at
      ? { at: d.refunded_at.toISOString(), reason: d.refund_reason, owed: fen(d.allocated) }
      : null,
    outboxId: d.outbox_id,
    /** The donor's proof of ownership: the log holds only SHA-256(secret ‖ donation id). */
    donor: {
      secret: Buffer.from(d.donor_secret).toString('hex'),
      commitment: donorCommitment(d.donor_secret, d.id),
    },
  };
}

const noReceipt = () => new AppError('not_found', 'No paid donation with this receipt id.');

/**
 * The log event (outbox id) of a paid donation's `donation.received`, which its receipt
 * proves; a donation refunded since keeps its receipt. not_found for any other donation.
 */
export async function receiptEvent(db: Kysely<DB>, donationId: string): Promise<string> {
  const d = await db
    .selectFrom('donations')
    .select(['outbox_id'])
    .where('id', '=', donationId)
    .where('status', 'in', ['paid', 'refunded'])
    .executeTakeFirst();
  if (!d?.outbox_id) throw noReceipt();
  return d.outbox_id;
}

/**
 * What a paid (or since refunded) donation's printable receipt shows: the gift, the project
 * and charity, and its place on the log with the log's size when read (both null until the
 * event is sequenced). not_found for any other donation.
 */
export async function receiptPdfData(
  db: Kysely<DB>,
  donationId: string,
): Promise<Omit<ReceiptPdfData, 'receiptUrl'>> {
  const d = await db
    .selectFrom('donations as d')
    .innerJoin('projects as p', 'p.id', 'd.project_id')
    .innerJoin('orgs as o', 'o.id', 'd.org_id')
    .leftJoin(logEntries(db).as('e'), 'e.outbox_id', 'd.outbox_id')
    .select([
      'd.id',
      'd.amount',
      'd.currency',
      'd.paid_at',
      'd.anonymous',
      'd.display_name',
      'd.provider',
      'p.title',
      'o.name as org_name',
      'e.idx',
      'e.leaf',
    ])
    .where('d.id', '=', donationId)
    .where('d.status', 'in', ['paid', 'refunded'])
    .executeTakeFirst();
  if (!d) throw noReceipt();
  // Read after the index, so the size covers it.
  const size = await currentSize(db);
  const logged = d.idx !== null && d.idx !== undefined;
  return {
    donationId: d.id,
    projectTitle: d.title,
    orgName: d.org_name,
    amount: fen(d.amount),
    currency: d.currency,
    paidAt: d.paid_at!,
    displayName: d.anonymous ? null : d.display_name,
    logIndex: logged ? Number(d.idx) : null,
    leafHashHex: logged && d.leaf ? Buffer.from(hashLeaf(d.leaf)).toString('hex') : null,
    checkpointSize: logged ? size : null,
    testMoney: d.provider === 'sandbox',
  };
}

/**
 * What the sandbox checkout needs to pay a donation, for the holder of its link's token only
 * (not_found otherwise, as getDonorDonation): one small read instead of the donor's whole view.
 * Concurrent checkouts share it: the reads asked for while one is in flight go together as
 * one query (`checkouts`, a queue of readCheckouts: donations/service.ts), so at a campaign's
 * peak a pay request costs a share of a statement rather than a round trip of its own.
 */
export async function getCheckoutDonation(
  donations: Pick<Donations, 'checkouts'>,
  donationId: string,
  token: string,
) {
  const d = await donations.checkouts.submit(donationId);
  if (!d || !tokenMatches(token, d.access_token_hash))
    throw new AppError('not_found', 'No such donation, or this link is not yours.');
  return d;
}

export type CheckoutRow = {
  access_token_hash: string;
  provider_ref: string | null;
  amount: string;
  currency: string;
};

/** The checkout rows of several donations in one query (undefined for an unknown id). */
export async function readCheckouts(
  db: Kysely<DB>,
  ids: readonly string[],
): Promise<ItemResult<CheckoutRow | undefined>[]> {
  // One text whatever the batch's size (an array, not an IN list): a prepared statement.
  const { rows } = await sql<CheckoutRow & { id: string }>`${PREPARED}
    select id, access_token_hash, provider_ref, amount, currency from donations
    where id = any(${[...new Set(ids)]}::uuid[])`.execute(db);
  const byId = new Map(rows.map(({ id, ...row }) => [id, row]));
  return ids.map((id) => ({ value: byId.get(id) }));
}

/**
 * "Where did my money go": the donation with its receipt, each allocation to a disbursement
 * with that disbursement's receipt (the event part that lists this donation), evidence and the
 * beneficiary's confirmation with its receipt, and what is still unspent. Each receipt lets
 * the browser check the fact against the log by itself.
 */
export async function getTrace(
  db: Kysely<DB>,
  donationId: string,
  access: DonorAccess,
  now: Date,
  receipts: ReceiptSource,
) {
  // The allocations (with each disbursement's confirmation event) are read beside the access
  // check; nothing is shown unless it passes. Then the disbursements and every receipt side by
  // side: three round trips in all, however many allocations.
  const [donation, allocations] = await Promise.all([
    getDonorDonation(db, donationId, access),
    donationAllocations(db, donationId),
  ]);
  const [disbursements, [donationReceipt, ...rest]] = await Promise.all([
    allocations.length
      ? listDisbursements(
          db,
          donation.projectId,
          now,
          allocations.map((a) => a.disbursement_id),
        )
      : [],
    getReceipts(
      db,
      [donation.outboxId, ...allocations.flatMap((a) => [a.outbox_id, a.ack_outbox_id])],
      receipts,
    ),
  ]);
  const byId = new Map(disbursements.map((d) => [d.id, d]));
  return {
    donation: { ...donation, receipt: donationReceipt ?? null },
    allocations: allocations
      .map((a, i) => {
        const d = byId.get(a.disbursement_id)!;
        // A confirmation recorded between the two reads has no receipt here yet (null: the
        // page shows it as not yet verified), never another event's.
        const ackReceipt =
          d.acknowledgement && d.acknowledgement.outboxId === a.ack_outbox_id
            ? (rest[2 * i + 1] ?? null)
            : null;
        return {
          amount: fen(a.amount),
          disbursement: { ...d, receipt: rest[2 * i] ?? null },
          acknowledgement: d.acknowledgement ? { ...d.acknowledgement, receipt: ackReceipt } : null,
        };
      })
      .sort((x, y) => x.disbursement.createdAt.localeCompare(y.disbursement.createdAt)),
    unspent: donation.unspent,
  };
}
