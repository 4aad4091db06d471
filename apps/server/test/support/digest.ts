import { sql } from 'kysely';
import type { TestApp } from './app.js';

/**
 * A fingerprint of everything the server keeps: an MD5 of every row of every table (each row
 * as text, in a stable order) and the list of stored files. Two equal digests mean no row and
 * no file changed in between, so a refused request can be shown to have written nothing
 * without knowing which tables it might have touched. The tables are read from the catalog,
 * so a table added later is covered too.
 */
export async function storeDigest(t: TestApp): Promise<Record<string, string>> {
  const db = t.database.db;
  const tables = await tableNames(t);
  const { rows } = await sql<{ name: string; digest: string | null }>`${sql.join(
    tables.map(
      (name) =>
        sql`select ${name}::text as name, md5(string_agg(r::text, E'\\n' order by r::text)) as digest from ${sql.table(name)} r`,
    ),
    sql` union all `,
  )}`.execute(db);
  const digest: Record<string, string> = {};
  for (const r of rows) digest[r.name] = r.digest ?? '(empty)';
  const files: string[] = [];
  for await (const sha of t.app.files.list()) files.push(sha);
  digest['(file store)'] = files.join(',');
  return digest;
}

const names = new WeakMap<TestApp, Promise<string[]>>();
function tableNames(t: TestApp): Promise<string[]> {
  let found = names.get(t);
  if (!found) {
    found = sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name not like 'kysely_migration%' order by 1`
      .execute(t.database.db)
      .then((r) => r.rows.map((row) => row.name));
    names.set(t, found);
  }
  return found;
}

/** The tables (and the file store) whose digest differs between two digests. */
export function changedTables(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
}
