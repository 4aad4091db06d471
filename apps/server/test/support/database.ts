import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';
import { adminUrl, databaseUrl, templateDatabaseName } from './store.js';

/**
 * A fresh, migrated database of its own for one test file, on the store the run targets:
 * PGlite in memory by default, PostgreSQL when TEST_DATABASE_URL is set. Closing it drops it.
 */
export async function createTestDatabase(): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const tarball = readFileSync(inject('pgliteTemplate'));
    return openDatabase({ kind: 'pglite-memory', loadDataDir: new Blob([tarball]) });
  }
  const fresh = await createTestDatabaseUrl();
  const db = await openDatabase({ kind: 'postgres', url: fresh.url });
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await close();
      await fresh.drop();
    },
  });
}

/**
 * A fresh, migrated PostgreSQL database for processes a test spawns (they connect by URL):
 * a copy of the template, dropped by drop(). PostgreSQL runs only (TEST_DATABASE_URL).
 */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('createTestDatabaseUrl needs TEST_DATABASE_URL (PostgreSQL)');
  const template = templateDatabaseName(url);
  const name = `${template}_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ kind: 'postgres', url: adminUrl(url), poolSize: 1 });
  try {
    await sql.raw(`create database "${name}" template "${template}"`).execute(admin.db);
  } finally {
    await admin.close();
  }
  return {
    url: databaseUrl(url, name),
    async drop() {
      const a = await openDatabase({ kind: 'postgres', url: adminUrl(url), poolSize: 1 });
      try {
        await sql.raw(`drop database if exists "${name}" with (force)`).execute(a.db);
      } finally {
        await a.close();
      }
    },
  };
}

/**
 * Waits until at least `n` of this database's sessions are waiting for a lock (PostgreSQL
 * only): how a test knows the transactions it started queue behind the lock it holds.
 */
export async function lockWaiters(db: Kysely<DB>, n: number): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if (Number(rows[0]!.n) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Runs `work` in a transaction and keeps that transaction open, with the locks `work` took,
 * until `release()` (PostgreSQL only: PGlite has one connection). Resolves once `work` is done.
 */
export async function holdOpen(
  db: Kysely<DB>,
  work: (tx: Kysely<DB>) => Promise<unknown>,
): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ready!: () => void;
  let failed!: (err: unknown) => void;
  const worked = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const done = db
    .transaction()
    .execute(async (tx) => {
      await work(tx);
      ready();
      await released;
    })
    .catch(failed);
  await worked;
  return {
    async release() {
      release();
      await done;
    },
  };
}
