import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';
import { fundsTotals } from '../donations/funds.js';
import type { BookTable, Row } from './book-tables.js';

/** The books context's SQL: a charity's books read a page at a time, and what heads them. */

/** The charity's rows of one table, a page at a time, in a stable order. */
export function tableRows(
  db: Kysely<DB>,
  orgId: string,
  table: BookTable,
  page: number,
): AsyncGenerator<Row[]> {
  switch (table) {
    case 'donations':
      return donationPages(db, orgId, page);
    case 'disbursements':
      return disbursementPages(db, orgId, page);
    case 'allocations':
      return allocationPages(db, orgId, page);
    case 'balances':
      return balancePages(db, orgId);
  }
}

/*
 * Paging reads the keys first, then each page by its keys. Neither donations nor
 * disbursements are indexed by charity, and "the next 1000 after X, in order" was planned as
 * "sort all the charity's rows, keep 1000", every page costing the whole table (quadratic for
 * a million donations). Planners go wrong here because the statistics are stale: PGlite runs
 * no autovacuum and a PostgreSQL server analyses late. So: one ordered read of the keys (8 or
 * 16 bytes a row: a million donations is 8 MB), then each page joins its keys to the rows by
 * a LATERAL lookup on a unique index. `limit 1` keeps the planner from flattening a lookup
 * into a join it could hash over the whole table (a plain `= any(keys)` was planned as a
 * sequential scan). The keys also fix the set of rows at the start of the export.
 */

const orgProjects = (orgId: string) => sql`array(select id from projects where org_id = ${orgId})`;

/** The charity's paid and refunded donations' paid_seq, in order (the order money arrived in). */
async function donationKeys(db: Kysely<DB>, orgId: string): Promise<string[]> {
  // The status test matches the partial index donations_project_paid.
  const { rows } = await sql<{ keys: Buffer | null }>`
    select string_agg(int8send(paid_seq), ''::bytea order by paid_seq) as keys
    from donations
    where project_id = any(${orgProjects(orgId)}) and org_id = ${orgId}
      and status in ('paid', 'refunded')`.execute(db);
  const keys = rows[0]?.keys;
  const out: string[] = [];
  if (keys) for (let i = 0; i < keys.length; i += 8) out.push(keys.readBigInt64BE(i).toString());
  return out;
}

/** The charity's disbursement ids in the order they went on the log. */
async function disbursementKeys(db: Kysely<DB>, orgId: string): Promise<string[]> {
  const { rows } = await sql<{ keys: Buffer | null }>`
    select string_agg(uuid_send(id), ''::bytea order by outbox_id, id) as keys
    from disbursements
    where project_id = any(${orgProjects(orgId)}) and org_id = ${orgId}`.execute(db);
  const keys = rows[0]?.keys;
  const out: string[] = [];
  if (keys)
    for (let i = 0; i < keys.length; i += 16) {
      const h = keys.subarray(i, i + 16).toString('hex');
      out.push(
        `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
      );
    }
  return out;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

async function* donationPages(
  db: Kysely<DB>,
  orgId: string,
  pageSize: number,
): AsyncGenerator<Row[]> {
  for (const seqs of chunks(await donationKeys(db, orgId), pageSize)) {
    const { rows } = await sql<{
      id: string;
      project_id: string;
      title: string;
      paid_at: Date;
      amount: string;
      status: string;
      refunded_at: Date | null;
      allocated: string;
      anonymous: boolean;
      display_name: string | null;
      recurring_id: string | null;
      idx: string | null;
    }>`
      select d.id, d.project_id, p.title, d.paid_at, d.amount, d.status, d.refunded_at,
        d.allocated, d.anonymous, d.display_name, d.recurring_id,
        ledger_index_of(d.outbox_id) as idx
      from unnest(${seqs}::bigint[]) with ordinality as k(seq, n)
      cross join lateral (select * from donations where paid_seq = k.seq limit 1) d
      cross join lateral (select title from projects where id = d.project_id limit 1) p
      order by k.n`.execute(db);
    yield rows.map((r) => [
      r.id,
      r.project_id,
      r.title,
      r.paid_at,
      r.amount,
      r.status,
      r.refunded_at,
      r.allocated,
      r.status === 'paid' ? (BigInt(r.amount) - BigInt(r.allocated)).toString() : 0,
      r.status === 'refunded' ? r.allocated : 0,
      // Never the email: the accountant sees what the public sees.
      r.anonymous || !r.display_name ? 'Anonymous' : r.display_name,
      r.recurring_id ? 'yes' : 'no',
      r.idx === null ? null : Number(r.idx),
    ]);
  }
}

async function* disbursementPages(
  db: Kysely<DB>,
  orgId: string,
  pageSize: number,
): AsyncGenerator<Row[]> {
  for (const ids of chunks(await disbursementKeys(db, orgId), pageSize)) {
    const { rows } = await sql<{
      id: string;
      project_id: string;
      title: string;
      paid_on: string;
      amount: string;
      label: string;
      name: string;
      kind: string;
      region: string;
      purpose: string;
      evidence: string;
      acknowledged_at: Date | null;
      idx: string | null;
    }>`
      select d.id, d.project_id, p.title, d.paid_on, d.amount, l.label, b.name, b.kind,
        b.region, d.purpose, ev.evidence, d.acknowledged_at,
        ledger_index_of(d.outbox_id) as idx
      from unnest(${ids}::uuid[]) with ordinality as k(id, n)
      cross join lateral (select * from disbursements where id = k.id limit 1) d
      cross join lateral (select title from projects where id = d.project_id limit 1) p
      cross join lateral (
        select label from project_budget_lines where id = d.budget_line_id limit 1
      ) l
      cross join lateral (
        select name, kind, region from beneficiaries where id = d.beneficiary_id limit 1
      ) b
      cross join lateral (
        select coalesce(string_agg(sha256, ' ' order by position), '') as evidence
        from disbursement_evidence where disbursement_id = d.id
      ) ev
      order by k.n`.execute(db);
    yield rows.map((r) => [
      r.id,
      r.project_id,
      r.title,
      r.paid_on,
      r.amount,
      r.label,
      // The charity's own register: its accountant needs to know who was paid, a person too
      // (the public and the log see a person by kind and region only).
      r.name,
      r.kind,
      r.region,
      r.purpose,
      r.evidence,
      r.acknowledged_at,
      r.idx === null ? null : Number(r.idx),
    ]);
  }
}

/**
 * Allocations follow the donations: one disbursement may draw on a million donations, while a
 * donation is split over a few disbursements at most. A donation's allocations are in the
 * order of their disbursements; FIFO makes each disbursement's own list come out in order too.
 */
async function* allocationPages(
  db: Kysely<DB>,
  orgId: string,
  pageSize: number,
): AsyncGenerator<Row[]> {
  for (const seqs of chunks(await donationKeys(db, orgId), pageSize)) {
    const { rows } = await sql<{ disbursement_id: string; donation_id: string; amount: string }>`
      select a.disbursement_id, a.donation_id, a.amount
      from unnest(${seqs}::bigint[]) with ordinality as k(seq, n)
      cross join lateral (select id from donations where paid_seq = k.seq limit 1) dn
      cross join lateral (
        select disbursement_id, donation_id, amount from allocations
        where donation_id = dn.id offset 0
      ) a
      cross join lateral (
        select outbox_id from disbursements where id = a.disbursement_id limit 1
      ) d
      order by k.n, d.outbox_id, a.disbursement_id`.execute(db);
    if (rows.length) yield rows.map((r) => [r.disbursement_id, r.donation_id, r.amount]);
  }
}

/**
 * One row per project (drafts hold no money and are left out), each followed by its budget
 * lines: budget against spent and confirmed. A charity has projects by the hundred, not by
 * the million, so this is one page.
 */
async function* balancePages(db: Kysely<DB>, orgId: string): AsyncGenerator<Row[]> {
  const projects = await db
    .selectFrom('projects as p')
    // Summed over the charity's projects' shards only: the totals are not computed for every
    // project on the platform.
    .innerJoin(
      fundsTotals(db)
        .where(
          'project_id',
          'in',
          db.selectFrom('projects').select('id').where('org_id', '=', orgId),
        )
        .as('f'),
      'f.project_id',
      'p.id',
    )
    .select([
      'p.id',
      'p.title',
      'p.status',
      'p.goal_amount',
      'p.disbursed',
      'f.raised',
      'f.refunded',
      'f.owed',
      'f.unspent',
    ])
    .where('p.org_id', '=', orgId)
    .where('p.status', '!=', 'draft')
    .orderBy('p.published_at')
    .orderBy('p.id')
    .execute();
  if (projects.length === 0) return;
  const projectIds = projects.map((p) => p.id);
  const lines = await db
    .selectFrom('project_budget_lines as l')
    .leftJoin('disbursements as d', (j) =>
      j.onRef('d.budget_line_id', '=', 'l.id').onRef('d.project_id', '=', 'l.project_id'),
    )
    .select([
      'l.id',
      'l.project_id',
      'l.label',
      'l.amount',
      'l.removed',
      'l.position',
      sql<string>`coalesce(sum(d.amount), 0)`.as('spent'),
      sql<string>`coalesce(sum(d.amount) filter (where d.acknowledged_at is not null), 0)`.as(
        'confirmed',
      ),
    ])
    .where('l.project_id', 'in', projectIds)
    .groupBy(['l.id', 'l.project_id', 'l.label', 'l.amount', 'l.removed', 'l.position'])
    .orderBy('l.project_id')
    .orderBy('l.position')
    .execute();
  const rows: Row[] = [];
  for (const p of projects) {
    const own = lines.filter((l) => l.project_id === p.id);
    const confirmed = own.reduce((sum, l) => sum + BigInt(l.confirmed), 0n);
    rows.push([
      'project',
      p.id,
      p.title,
      p.status,
      null,
      p.goal_amount,
      p.raised,
      p.refunded,
      p.owed,
      p.disbursed,
      confirmed.toString(),
      p.unspent,
    ]);
    for (const l of own) {
      // A line removed after money was spent from it keeps its row, so its spending shows.
      if (l.removed && BigInt(l.spent) === 0n) continue;
      rows.push([
        'budget line',
        p.id,
        p.title,
        p.status,
        l.removed ? `${l.label} (removed)` : l.label,
        l.amount,
        null,
        null,
        null,
        l.spent,
        l.confirmed,
        null,
      ]);
    }
  }
  yield rows;
}

/** The charity whose books these are, for the file name and the About sheet. */
export async function findCharity(db: Kysely<DB>, orgId: string) {
  const org = await db
    .selectFrom('orgs')
    .select(['name', 'registration_number'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  return org ? { name: org.name, registrationNumber: org.registration_number } : undefined;
}

/** The log's origin and size as the books are read, for the About sheet. */
export async function logHead(db: Kysely<DB>) {
  return db
    .selectFrom('ledger_state')
    .select(['origin', 'tree_size'])
    .where('id', '=', 1)
    .executeTakeFirst();
}
