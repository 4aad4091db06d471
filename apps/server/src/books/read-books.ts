import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { BookTable, Row } from './book-tables.js';
import type { ExportGate } from './export-gate.js';
import { tableRows } from './queries.js';

/**
 * How an export reads a charity's books: its turn at the gate, one snapshot of the database,
 * and each table a page at a time.
 */

const PAGE_SIZE = 1000;

export interface BooksSource {
  database: Database;
  gate: ExportGate;
  orgId: string;
  /** Rows per query (tests make it small to cross page boundaries). */
  pageSize?: number;
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

export interface OpenBooks {
  /** The snapshot, for a read beside the tables (the About sheet's log head). */
  db: Kysely<DB>;
  /** The charity's rows of one table, a page at a time, in a stable order. */
  pages(table: BookTable): AsyncGenerator<Row[]>;
  /** Ends the snapshot and gives the turn at the gate to the next export. */
  close(): Promise<void>;
}

/** Waits for a turn at the gate, then opens the snapshot the whole export reads. */
export async function openBooks(source: BooksSource): Promise<OpenBooks> {
  const leave = await source.gate.enter();
  const snapshot = await openSnapshot(source.database).catch((err) => {
    leave();
    throw err;
  });
  return {
    db: snapshot.db,
    pages: (table) => tableRows(snapshot.db, source.orgId, table, source.pageSize ?? PAGE_SIZE),
    close: async () => {
      await snapshot.release();
      leave();
    },
  };
}
