import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type DirLock, lockDir } from './lock.js';
import { preparingPool } from './prepared.js';
import type { DB } from './schema.js';

// A SQL `date` (a project's end date, an invoice's date) has no time zone: pg would turn it into
// a Date at local midnight, which shifts the day in any zone west of UTC. Keep 'YYYY-MM-DD'.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/**
 * One SQL dialect, two stores. Both are reached through `pg` + Kysely's PostgresDialect:
 * embedded, a pg.Pool whose single connection is an in-process PGlite; on a server, a plain
 * pg.Pool. Same queries, same types (bigint comes back as string on both).
 */
export interface Database {
  readonly db: Kysely<DB>;
  /** The embedded instance, when there is one (tests dump it as a template). */
  readonly pglite?: PGlite;
  readonly kind: 'pglite' | 'postgres';
  /** Round-trips to the database; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory'; loadDataDir?: Blob }
  | { kind: 'postgres'; url: string; poolSize?: number };

export async function openDatabase(store: StoreConfig): Promise<Database> {
  if (store.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: store.url, max: store.poolSize ?? 10 });
    // A connection that dies (server restart, pg_terminate_backend, network cut) emits
    // 'error' on its client. Idle clients are covered by the pool's listener; pg-pool drops
    // its listener while a client is checked out and Kysely adds none, so without this an
    // open transaction's broken connection would be an uncaught exception that kills the
    // process. The failure still reaches the caller as the rejected query, and the pool
    // discards the broken client when it is released.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return wrap(pool, 'postgres', undefined, async () => {});
  }
  let lock: DirLock | undefined;
  let pglite: PGlite;
  if (store.kind === 'pglite') {
    mkdirSync(store.dataDir, { recursive: true, mode: 0o700 });
    const dir = join(store.dataDir, 'pglite');
    lock = lockDir(dir);
    try {
      pglite = new PGlite(dir);
      await pglite.waitReady;
    } catch (err) {
      lock.release();
      throw err;
    }
  } else {
    pglite = new PGlite(
      store.loadDataDir ? { loadDataDir: store.loadDataDir } : { dataDir: 'memory://' },
    );
    await pglite.waitReady;
  }
  const pool = new pg.Pool(createPgConfig(pglite));
  return wrap(pool, 'pglite', pglite, async () => {
    await pglite.close();
    lock?.release();
  });
}

function wrap(
  pool: pg.Pool,
  kind: Database['kind'],
  pglite: PGlite | undefined,
  after: () => Promise<void>,
): Database {
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  let closed = false;
  return {
    db,
    kind,
    ...(pglite ? { pglite } : {}),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await after();
    },
  };
}
