import { PassThrough, pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';

/**
 * A charity's books for its accountant (docs/money.md "Books export"): donations,
 * disbursements, allocations and balances as CSV tables or one XLSX workbook. Rows are read a
 * page at a time and streamed, so a charity with a million donations never becomes one string.
 */

export const bookTables = ['donations', 'disbursements', 'allocations', 'balances'] as const;
export type BookTable = (typeof bookTables)[number];

export function isBookTable(name: string): name is BookTable {
  return (bookTables as readonly string[]).includes(name);
}

type Kind = 'text' | 'money' | 'int' | 'timestamp' | 'date';
interface Column {
  header: string;
  kind: Kind;
  width: number;
}
/** money: fen as an integer (bigint columns arrive as strings); date: 'YYYY-MM-DD'. */
type Value = string | number | Date | null;
type Row = Value[];

const col = (header: string, kind: Kind, width = 14): Column => ({ header, kind, width });
const id = (header: string) => col(header, 'text', 38);

const columns: Record<BookTable, Column[]> = {
  donations: [
    id('donation id'),
    id('project id'),
    col('project', 'text', 30),
    col('paid at (UTC)', 'timestamp', 20),
    col('amount', 'money'),
    col('status', 'text', 10),
    col('refunded at (UTC)', 'timestamp', 20),
    col('allocated', 'money'),
    col('unspent', 'money'),
    // A donation taken back after some of it was spent: that part is owed.
    col('owed', 'money'),
    col('donor', 'text', 20),
    col('monthly', 'text', 9),
    col('log index', 'int', 10),
  ],
  disbursements: [
    id('disbursement id'),
    id('project id'),
    col('project', 'text', 30),
    col('date', 'date', 12),
    col('amount', 'money'),
    col('budget line', 'text', 20),
    col('payee', 'text', 24),
    col('payee kind', 'text', 10),
    col('payee region', 'text', 14),
    col('purpose', 'text', 30),
    col('evidence sha256', 'text', 66),
    col('confirmed at (UTC)', 'timestamp', 20),
    col('log index', 'int', 10),
  ],
  allocations: [id('disbursement id'), id('donation id'), col('amount', 'money')],
  balances: [
    col('row', 'text', 12),
    id('project id'),
    col('project', 'text', 30),
    col('status', 'text', 10),
    col('budget line', 'text', 20),
    col('goal / budget', 'money'),
    col('raised', 'money'),
    col('refunded', 'money'),
    col('owed', 'money'),
    col('spent', 'money'),
    col('confirmed', 'money'),
    col('unspent', 'money'),
  ],
};

export const sheetNames: Record<BookTable, string> = {
  donations: 'Donations',
  disbursements: 'Disbursements',
  allocations: 'Allocations',
  balances: 'Balances',
};

/** Fen to yuan with exactly 2 decimals, in integer arithmetic: 123450 → "1234.50". */
export function yuan(fen: string | number | bigint): string {
  const n = BigInt(fen);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula:
 * a donor name or project title could then exfiltrate data or run a command. A leading
 * apostrophe makes it text (OWASP "CSV injection").
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

const PAGE_SIZE = 1000;

/** The charity's rows of one table, a page at a time, in a stable order. */
function tableRows(
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
    .select((eb) => [
      'p.id',
      'p.title',
      'p.status',
      'p.goal_amount',
      'p.disbursed',
      eb
        .selectFrom('project_funds as f')
        .whereRef('f.project_id', '=', 'p.id')
        .select(sql<string>`coalesce(sum(f.raised), 0)`.as('v'))
        .as('raised'),
      eb
        .selectFrom('project_funds as f')
        .whereRef('f.project_id', '=', 'p.id')
        .select(sql<string>`coalesce(sum(f.refunded), 0)`.as('v'))
        .as('refunded'),
      eb
        .selectFrom('project_funds as f')
        .whereRef('f.project_id', '=', 'p.id')
        .select(sql<string>`coalesce(sum(f.owed), 0)`.as('v'))
        .as('owed'),
      eb
        .selectFrom('project_funds as f')
        .whereRef('f.project_id', '=', 'p.id')
        .select(sql<string>`coalesce(sum(f.balance), 0)`.as('v'))
        .as('unspent'),
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

/**
 * The books are read over many queries while donations keep arriving. On PostgreSQL they are
 * read in one read-only repeatable-read transaction, so every table is the same instant and
 * the sheets add up; a reader that stops reading cannot hold that connection for ever (the
 * idle-in-transaction timeout ends it). Embedded storage has a single connection that a
 * transaction would take from every other request for as long as the download lasts, so
 * there each page is its own query: the rows are those whose keys were read at the start,
 * but a refund or a disbursement recorded meanwhile may show in one table and not another.
 */
interface Snapshot {
  db: Kysely<DB>;
  release(): Promise<void>;
}

async function openSnapshot(database: Database): Promise<Snapshot> {
  if (database.kind !== 'postgres') return { db: database.db, release: async () => {} };
  const trx = await database.db
    .startTransaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute();
  try {
    await sql`set local idle_in_transaction_session_timeout = '5min'`.execute(trx);
  } catch (err) {
    await trx.rollback().execute();
    throw err;
  }
  return {
    db: trx,
    release: async () => {
      // A connection the server already ended cannot roll back; it is discarded anyway.
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    },
  };
}

/**
 * At most a few exports read at once: on PostgreSQL each holds a pooled connection for as
 * long as its download lasts, and the rest of the API needs the others.
 */
export class ExportGate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async enter(): Promise<() => void> {
    if (this.#running >= this.max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    };
  }
}

export interface BooksSource {
  database: Database;
  gate: ExportGate;
  orgId: string;
  /** Rows per query (tests make it small to cross page boundaries). */
  pageSize?: number;
}

/** One table as CSV: UTF-8 with a BOM (so Excel reads Chinese), RFC 4180, CRLF. */
export function booksCsv(source: BooksSource, table: BookTable): Readable {
  const cols = columns[table];
  const rows = Readable.from(
    (async function* () {
      const leave = await source.gate.enter();
      const snapshot = await openSnapshot(source.database).catch((err) => {
        leave();
        throw err;
      });
      try {
        for await (const page of tableRows(
          snapshot.db,
          source.orgId,
          table,
          source.pageSize ?? PAGE_SIZE,
        )) {
          for (const row of page) yield row.map((v, i) => csvCell(v, cols[i]!.kind));
        }
      } finally {
        await snapshot.release();
        leave();
      }
    })(),
  );
  const csv = stringify({
    bom: true,
    header: true,
    columns: cols.map((c) => c.header),
    record_delimiter: 'windows',
  });
  // Either side failing or the client going away ends both, and so the snapshot.
  pipeline(rows, csv, () => {});
  return csv;
}

function csvCell(v: Value, kind: Kind): string {
  if (v === null) return '';
  switch (kind) {
    case 'money':
      return yuan(v as string | number);
    case 'timestamp':
      return (v as Date).toISOString();
    case 'int':
    case 'date':
      return String(v);
    case 'text':
      return neutraliseFormula(String(v));
  }
}

export interface AboutFacts {
  charity: { name: string; registrationNumber: string };
  generatedAt: Date;
}

const MONEY_FORMAT = '"¥"#,##0.00';

/** The whole books as one XLSX workbook: a sheet per table and an "About" sheet. */
export function booksWorkbook(source: BooksSource, facts: AboutFacts): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Goodtrace';
  workbook.created = facts.generatedAt;

  // exceljs buffers whatever it is given; waiting for the response to drain after each page
  // keeps at most about a page in memory when the client reads slowly.
  const drained = async () => {
    if (out.destroyed) throw new Error('the client went away');
    if (out.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
    }
    if (out.destroyed) throw new Error('the client went away');
  };

  const write = async () => {
    const leave = await source.gate.enter();
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await openSnapshot(source.database);
      const log = await snapshot.db
        .selectFrom('ledger_state')
        .select(['origin', 'tree_size'])
        .where('id', '=', 1)
        .executeTakeFirst();
      for (const table of bookTables) {
        const cols = columns[table];
        const sheet = workbook.addWorksheet(sheetNames[table], {
          views: [{ state: 'frozen', ySplit: 1 }],
        });
        sheet.columns = cols.map((c) => ({
          header: c.header,
          width: c.width,
          ...(cellFormat(c.kind) ? { style: { numFmt: cellFormat(c.kind)! } } : {}),
        }));
        sheet.getRow(1).font = { bold: true };
        sheet.getRow(1).commit();
        for await (const page of tableRows(
          snapshot.db,
          source.orgId,
          table,
          source.pageSize ?? PAGE_SIZE,
        )) {
          for (const row of page)
            sheet.addRow(row.map((v, i) => xlsxCell(v, cols[i]!.kind))).commit();
          await drained();
        }
        sheet.commit();
      }
      const about = workbook.addWorksheet('About');
      about.columns = [{ width: 24, style: { font: { bold: true } } }, { width: 90 }];
      const lines: [string, string | number][] = [
        ['Charity', facts.charity.name],
        ['Registration number', facts.charity.registrationNumber],
        ['Generated at (UTC)', facts.generatedAt.toISOString()],
        ['Log origin', log?.origin ?? ''],
        ['Log tree size', log ? Number(log.tree_size) : 0],
        ['Amounts', 'Amounts are in yuan (CNY) with 2 decimals.'],
        [
          'Verification',
          'Every donation and disbursement can be verified on the public log by its id ' +
            '(and found at its log index): see /transparency and /api/receipts/<donation id>.',
        ],
      ];
      for (const line of lines) about.addRow(line).commit();
      about.commit();
      await workbook.commit();
    } finally {
      await snapshot?.release();
      leave();
    }
  };
  write().catch((err) => out.destroy(err));
  return out;
}

function cellFormat(kind: Kind): string | undefined {
  switch (kind) {
    case 'money':
      return MONEY_FORMAT;
    case 'timestamp':
      return 'yyyy-mm-dd hh:mm:ss';
    case 'date':
      return 'yyyy-mm-dd';
    default:
      return undefined;
  }
}

/** Numbers stay numbers (so the accountant can sum them); text is a string cell, never a formula. */
function xlsxCell(v: Value, kind: Kind): ExcelJS.CellValue {
  if (v === null) return null;
  switch (kind) {
    case 'money':
      return Number(yuan(v as string | number));
    case 'timestamp':
      return v as Date;
    case 'date':
      return new Date(`${v as string}T00:00:00Z`);
    case 'int':
      return Number(v);
    case 'text':
      return String(v);
  }
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

/** `<what>-<registration number>-<YYYY-MM-DD>.<ext>`, with only safe characters in a header. */
export function exportFileName(
  what: string,
  registrationNumber: string,
  at: Date,
  ext: string,
): string {
  const reg = registrationNumber.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${what}-${reg}-${at.toISOString().slice(0, 10)}.${ext}`;
}
