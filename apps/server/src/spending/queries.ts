import type { Disbursement } from '@goodtrace/contract';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { storedFiles } from '../files/queries.js';
import { fen } from '../projects/money.js';

export const fileUrl = (sha256: string) => `/api/files/${sha256}`;

/** Disbursements the beneficiary has not confirmed after this long are flagged publicly. */
export const ACK_OVERDUE_DAYS = 30;

/** Per budget line of a project, what was disbursed from it (lines without spending absent). */
export async function spentByBudgetLine(
  db: Kysely<DB>,
  projectId: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('disbursements')
    .select((eb) => ['budget_line_id', eb.fn.sum<string>('amount').as('spent')])
    .where('project_id', '=', projectId)
    .groupBy('budget_line_id')
    .execute();
  return new Map(rows.map((r) => [r.budget_line_id, fen(r.spent)]));
}

/** Of these budget lines, the ones money was disbursed from. */
export async function budgetLinesSpentFrom(db: Kysely<DB>, lineIds: string[]): Promise<string[]> {
  if (lineIds.length === 0) return [];
  const rows = await db
    .selectFrom('disbursements')
    .select('budget_line_id')
    .distinct()
    .where('budget_line_id', 'in', lineIds)
    .execute();
  return rows.map((r) => r.budget_line_id);
}

/** A project's disbursements still unconfirmed ACK_OVERDUE_DAYS after they were recorded. */
export async function overdueDisbursements(
  db: Kysely<DB>,
  projectId: string,
  now: Date,
): Promise<{ count: number; amount: number }> {
  const row = await db
    .selectFrom('disbursements')
    .select((eb) => [
      eb.fn.countAll<string>().as('n'),
      eb.fn.coalesce(eb.fn.sum<string>('amount'), sql<string>`0`).as('amount'),
    ])
    .where('project_id', '=', projectId)
    .where('acknowledged_at', 'is', null)
    .where('created_at', '<', new Date(now.getTime() - ACK_OVERDUE_DAYS * 86_400_000))
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), amount: fen(row.amount) };
}

/** Which charity and project a disbursement belongs to. */
export async function findDisbursementOwner(db: Kysely<DB>, disbursementId: string) {
  const d = await db
    .selectFrom('disbursements')
    .select(['org_id', 'project_id'])
    .where('id', '=', disbursementId)
    .executeTakeFirst();
  return d && { orgId: d.org_id, projectId: d.project_id };
}

/** What a finding shows of the disbursements it is about, by id. */
export async function disbursementSummaries(
  db: Kysely<DB>,
  ids: string[],
): Promise<Map<string, { amount: number; purpose: string; date: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('disbursements')
    .select(['id', 'amount', 'purpose', 'paid_on'])
    .where('id', 'in', ids)
    .execute();
  return new Map(
    rows.map((r) => [r.id, { amount: fen(r.amount), purpose: r.purpose, date: r.paid_on }]),
  );
}

/**
 * What disbursements took from one donation, in disbursement id order: each part's amount and
 * `funds.disbursed` event, and the disbursement's confirmation event (null until confirmed).
 */
export async function donationAllocations(db: Kysely<DB>, donationId: string) {
  return db
    .selectFrom('allocations as a')
    .innerJoin('disbursements as d', 'd.id', 'a.disbursement_id')
    .select(['a.disbursement_id', 'a.amount', 'a.outbox_id', 'd.ack_outbox_id'])
    .where('a.donation_id', '=', donationId)
    .orderBy('a.disbursement_id')
    .execute();
}

/**
 * A project's disbursements as the public sees them: amount, budget line, payee (a private
 * person by kind and region only), purpose, evidence, and whether the beneficiary confirmed —
 * flagged overdue when not after 30 days.
 */
export async function listDisbursements(
  db: Kysely<DB>,
  projectId: string,
  now: Date,
  ids?: string[],
): Promise<Disbursement[]> {
  let query = db
    .selectFrom('disbursements as d')
    .innerJoin('project_budget_lines as l', 'l.id', 'd.budget_line_id')
    .innerJoin('beneficiaries as b', 'b.id', 'd.beneficiary_id')
    .innerJoin('projects as p', 'p.id', 'd.project_id')
    .select([
      'd.id',
      'd.project_id',
      'p.title as project_title',
      'd.amount',
      'd.currency',
      'd.purpose',
      'd.paid_on',
      'd.created_at',
      'd.outbox_id',
      'd.acknowledged_at',
      'd.ack_note',
      'd.ack_photo_sha256',
      'd.ack_outbox_id',
      'l.id as line_id',
      'l.label as line_label',
      'b.id as payee_id',
      'b.name as payee_name',
      'b.kind as payee_kind',
      'b.region as payee_region',
    ])
    .orderBy('d.created_at', 'desc');
  query = ids ? query.where('d.id', 'in', ids) : query.where('d.project_id', '=', projectId);
  const evidenceOf = (disbursementIds: string[]) =>
    db
      .selectFrom('disbursement_evidence as e')
      .innerJoin(storedFiles(db).as('f'), 'f.sha256', 'e.sha256')
      .select(['e.disbursement_id', 'e.sha256', 'e.kind', 'f.media_type', 'f.size'])
      .where('e.disbursement_id', 'in', disbursementIds)
      .orderBy('e.position')
      .execute();
  // Asked for by id (a donor's trace), the evidence is read beside the disbursements.
  const [rows, evidence] = ids
    ? await Promise.all([query.execute(), ids.length ? evidenceOf(ids) : []])
    : await query
        .execute()
        .then(async (r) => [r, r.length ? await evidenceOf(r.map((x) => x.id)) : []] as const);
  if (rows.length === 0) return [];
  const overdueBefore = now.getTime() - ACK_OVERDUE_DAYS * 86_400_000;
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    projectTitle: r.project_title,
    amount: fen(r.amount),
    currency: r.currency,
    purpose: r.purpose,
    date: r.paid_on,
    createdAt: r.created_at.toISOString(),
    budgetLine: { id: r.line_id, label: r.line_label },
    payee: {
      id: r.payee_id,
      kind: r.payee_kind,
      region: r.payee_region,
      name: r.payee_kind === 'person' ? null : r.payee_name,
    },
    evidence: evidence
      .filter((e) => e.disbursement_id === r.id)
      .map((e) => ({
        sha256: e.sha256,
        kind: e.kind,
        mediaType: e.media_type,
        size: e.size,
        url: fileUrl(e.sha256),
      })),
    outboxId: r.outbox_id,
    acknowledgement: r.acknowledged_at
      ? {
          at: r.acknowledged_at.toISOString(),
          note: r.ack_note,
          photoUrl: r.ack_photo_sha256 ? fileUrl(r.ack_photo_sha256) : null,
          outboxId: r.ack_outbox_id!,
        }
      : null,
    overdue: !r.acknowledged_at && r.created_at.getTime() < overdueBefore,
  }));
}
