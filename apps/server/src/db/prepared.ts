import { createHash } from 'node:crypto';
import { type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type pg from 'pg';

/**
 * Server-side prepared statements for the few hot statements that opt in.
 *
 * node-postgres sends every query as an unnamed statement, which PostgreSQL parses, analyses
 * and plans on each execution. For the batch statements of the donation path (one execution
 * per batch of dozens of donations, at thousands of donations per second) parsing and planning
 * were 13% of PostgreSQL's time (docs/PERFORMANCE.md, "Donations over HTTP", fourth round). A
 * statement that starts with `PREPARED` is sent as a named statement instead: parsed and
 * analysed once per connection.
 *
 * Only fixed texts should opt in: the name is derived from the text, and every distinct text
 * stays prepared on each pooled connection for the connection's life. A text that depends on
 * the number of rows (a multi-row VALUES, an IN list) must not.
 */
const MARK = '/* prepared */ ';
export const PREPARED = sql.raw(MARK);

const names = new Map<string, string>();

/** The statement's name: from its text, so one text is one prepared statement per connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `gt_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * The pool as Kysely sees it, sending marked statements as named (prepared) ones.
 *
 * Each connection plans every execution for its parameters (`plan_cache_mode =
 * force_custom_plan`): what is saved is the parse and analysis, not the planning. With the
 * default (`auto`), PostgreSQL switched to generic plans after five executions, and the donation
 * path's PostgreSQL CPU rose from ~0.45 to ~0.55 ms per paid donation: a generic plan cannot see
 * how many rows an array parameter holds. Unnamed statements are custom-planned anyway, so the
 * setting changes nothing else.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const configured = new WeakSet<pg.PoolClient>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      if (!configured.has(client)) {
        try {
          await client.query('set plan_cache_mode = force_custom_plan');
        } catch (err) {
          client.release(err as Error);
          throw err;
        }
        configured.add(client);
      }
      // Kysely calls query(text, parameters) (and query(cursor) only when streaming, which this
      // server does not use); anything else goes through untouched.
      const query = ((text: unknown, values?: readonly unknown[]) => {
        if (typeof text === 'string' && text.startsWith(MARK)) {
          return client.query({ name: nameOf(text), text, values: values as unknown[] });
        }
        return client.query(text as string, values as unknown[]);
      }) as unknown as PostgresPoolClient['query'];
      return { query, release: () => client.release() };
    },
    end: () => pool.end(),
  };
}
