import type { Cause, Page, ProjectDetail, ProjectSort, ProjectSummary } from '@goodtrace/contract';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { fundsTotals } from '../donations/funds.js';
import { overdueDisbursements, spentByBudgetLine } from '../spending/queries.js';
import { fen } from './money.js';

function projectSummaryQuery(db: Kysely<DB>) {
  return db
    .selectFrom('projects')
    .innerJoin('orgs', 'orgs.id', 'projects.org_id')
    .innerJoin(fundsTotals(db).as('f'), 'f.project_id', 'projects.id')
    .select([
      'projects.id',
      'projects.org_id',
      'orgs.name as org_name',
      'projects.title',
      'projects.summary',
      'projects.cause',
      'projects.city',
      'projects.region',
      'projects.goal_amount',
      'projects.currency',
      'projects.start_date',
      'projects.end_date',
      'projects.cover_sha256',
      'projects.status',
      'projects.published_at',
      'projects.disbursed',
      'f.raised',
      'f.refunded',
      'f.owed',
      'f.unspent',
      'f.donations',
    ])
    .select((eb) =>
      eb
        .selectFrom('disbursements')
        .select((d) =>
          d.fn.coalesce(d.fn.sum<string>('disbursements.amount'), sql<string>`0`).as('c'),
        )
        .whereRef('disbursements.project_id', '=', 'projects.id')
        .where('acknowledged_at', 'is not', null)
        .as('confirmed'),
    );
}

type SummaryRow = Awaited<
  ReturnType<ReturnType<typeof projectSummaryQuery>['executeTakeFirstOrThrow']>
>;

export function toProjectSummary(row: SummaryRow): ProjectSummary {
  const raised = fen(row.raised) - fen(row.refunded);
  return {
    id: row.id,
    orgId: row.org_id,
    orgName: row.org_name,
    title: row.title,
    summary: row.summary,
    cause: row.cause,
    city: row.city,
    region: row.region,
    goal: { amount: fen(row.goal_amount), currency: row.currency },
    raised,
    spent: fen(row.disbursed),
    confirmed: fen(row.confirmed),
    unspent: fen(row.unspent),
    /** Spent money of donations taken back since: what the charity owes (docs/money.md). */
    owed: fen(row.owed),
    donations: Number(row.donations),
    startDate: row.start_date,
    endDate: row.end_date,
    coverUrl: row.cover_sha256 ? `/api/files/${row.cover_sha256}` : null,
    status: row.status,
    publishedAt: row.published_at ? row.published_at.toISOString() : null,
  };
}

export interface ProjectSearch {
  q?: string;
  cause?: Cause;
  city?: string;
  orgId?: string;
  sort: ProjectSort;
  page: number;
  pageSize: number;
  today: string;
}

/** Published projects for donors, filtered and sorted; closing-soon shows only open ones. */
export async function searchProjects(
  db: Kysely<DB>,
  s: ProjectSearch,
): Promise<Page<ProjectSummary>> {
  let query = projectSummaryQuery(db).where('projects.status', '=', 'published');
  if (s.q) {
    const like = `%${s.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('projects.title', 'ilike', like),
        eb('projects.summary', 'ilike', like),
        eb('orgs.name', 'ilike', like),
      ]),
    );
  }
  if (s.cause) query = query.where('projects.cause', '=', s.cause);
  if (s.city)
    query = query.where(
      'projects.city',
      'ilike',
      s.city.replace(/[\\%_]/g, (c) => `\\${c}`),
    );
  if (s.orgId) query = query.where('projects.org_id', '=', s.orgId);
  if (s.sort === 'closing_soon') query = query.where('projects.end_date', '>=', s.today);
  const { count } = await db
    .selectFrom(query.as('q'))
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  const sorted =
    s.sort === 'most_funded'
      ? query.orderBy(sql`f.raised - f.refunded`, 'desc')
      : s.sort === 'closing_soon'
        ? query.orderBy('projects.end_date', 'asc')
        : query.orderBy('projects.published_at', 'desc');
  const rows = await sorted
    .orderBy('projects.id')
    .limit(s.pageSize)
    .offset((s.page - 1) * s.pageSize)
    .execute();
  return {
    items: rows.map(toProjectSummary),
    total: Number(count),
    page: s.page,
    pageSize: s.pageSize,
  };
}

export async function listOrgProjects(db: Kysely<DB>, orgId: string): Promise<ProjectSummary[]> {
  const rows = await projectSummaryQuery(db)
    .where('projects.org_id', '=', orgId)
    .orderBy('projects.created_at', 'desc')
    .execute();
  return rows.map(toProjectSummary);
}

/** A charity's project, if it is this charity's. */
export async function findOrgProject(db: Kysely<DB>, orgId: string, projectId: string) {
  return db
    .selectFrom('projects')
    .select(['id', 'status', 'currency'])
    .where('id', '=', projectId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** A budget line of the project that is still in its budget. */
export async function findActiveBudgetLine(db: Kysely<DB>, projectId: string, lineId: string) {
  return db
    .selectFrom('project_budget_lines')
    .select(['id', 'label'])
    .where('id', '=', lineId)
    .where('project_id', '=', projectId)
    .where('removed', '=', false)
    .executeTakeFirst();
}

/** Adds a disbursement's amount to what the project has spent (call in its transaction). */
export async function addSpent(tx: Kysely<DB>, projectId: string, amount: number) {
  await tx
    .updateTable('projects')
    .set((eb) => ({ disbursed: eb('disbursed', '+', String(amount)) }))
    .where('id', '=', projectId)
    .execute();
}

/** Titles (and statuses) of projects by id, for views that name them. */
export async function projectTitles(db: Kysely<DB>, ids: string[]) {
  const rows = ids.length
    ? await db
        .selectFrom('projects')
        .select(['id', 'title', 'status'])
        .where('id', 'in', ids)
        .execute()
    : [];
  return new Map(rows.map((p) => [p.id, p]));
}

/** Whether a project is open to the public: published, or closed after it was. */
export async function isPublished(db: Kysely<DB>, projectId: string): Promise<boolean> {
  const p = await db
    .selectFrom('projects')
    .select('status')
    .where('id', '=', projectId)
    .executeTakeFirst();
  return p !== undefined && p.status !== 'draft';
}

/**
 * A project with everything its page shows: budget with spending per line, the money flow
 * (raised → allocated → spent → confirmed, unspent) and its events on the log.
 */
export async function getProject(
  db: Kysely<DB>,
  projectId: string,
  now: Date,
): Promise<ProjectDetail | undefined> {
  const row = await projectSummaryQuery(db)
    .select(['projects.story', 'projects.beneficiary_description', 'projects.created_at'])
    .where('projects.id', '=', projectId)
    .executeTakeFirst();
  if (!row) return undefined;
  const [lines, spent, overdue, events] = await Promise.all([
    db
      .selectFrom('project_budget_lines')
      .select(['id', 'label', 'amount', 'removed'])
      .where('project_id', '=', projectId)
      .orderBy('position')
      .execute(),
    spentByBudgetLine(db, projectId),
    overdueDisbursements(db, projectId, now),
    db
      .selectFrom('project_events as pe')
      .select([
        'pe.outbox_id',
        'pe.event_type',
        'pe.at',
        sql<string | null>`ledger_index_of(pe.outbox_id)`.as('idx'),
      ])
      .where('pe.project_id', '=', projectId)
      .orderBy('pe.outbox_id', 'desc')
      .limit(200)
      .execute(),
  ]);
  const summary = toProjectSummary(row);
  return {
    ...summary,
    story: row.story,
    beneficiaryDescription: row.beneficiary_description,
    budget: lines.map((l) => ({
      id: l.id,
      label: l.label,
      amount: fen(l.amount),
      spent: spent.get(l.id) ?? 0,
      removed: l.removed,
    })),
    flow: {
      raised: fen(row.raised),
      refunded: fen(row.refunded),
      owed: summary.owed,
      allocated: summary.spent,
      spent: summary.spent,
      confirmed: summary.confirmed,
      unspent: summary.unspent,
      overdue,
    },
    events: events.map((e) => ({
      type: e.event_type,
      at: e.at.toISOString(),
      outboxId: e.outbox_id,
      index: e.idx === null ? null : Number(e.idx),
    })),
  };
}
