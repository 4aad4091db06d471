import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { adminUrl, templateDatabaseName } from './store.js';

/**
 * Runs once per `vitest run`. Pays PGlite's initdb (≈2.5 s) and the migrations once, then
 * every test file starts from a copy: a loaded data-dir tarball on PGlite, or
 * `CREATE DATABASE … TEMPLATE` on PostgreSQL (TEST_DATABASE_URL).
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const admin = await openDatabase({ kind: 'postgres', url: adminUrl(url), poolSize: 1 });
    const name = templateDatabaseName(url);
    const { rows } = await sql`select 1 from pg_database where datname = ${name}`.execute(admin.db);
    if (rows.length === 0) await sql.raw(`create database "${name}"`).execute(admin.db);
    await admin.close();
    const template = await openDatabase({ kind: 'postgres', url, poolSize: 1 });
    await migrateToLatest(template.db);
    await template.close();
    return;
  }
  const template = await openDatabase({ kind: 'pglite-memory' });
  await migrateToLatest(template.db);
  const dump = await template.pglite!.dumpDataDir('none');
  const file = join(tmpdir(), `goodtrace-template-${process.pid}.tar`);
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await template.close();
  project.provide('pgliteTemplate', file);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
