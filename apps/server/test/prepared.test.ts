import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { PREPARED } from '../src/db/prepared.js';
import { createTestDatabase } from './support/database.js';

// The hot batch statements opt in to server-side prepared statements (src/db/prepared.ts).
describe('prepared statements', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('sends a marked statement as one named statement per connection, planned for its parameters each time', async () => {
    await database.db.transaction().execute(async (tx) => {
      // Same text, other parameters: one prepared statement, the right answers.
      for (const n of [3, 5, 3]) {
        const { rows } = await sql<{ total: number }>`${PREPARED}
          select sum(x)::int as total from unnest(${Array.from({ length: n }, (_, i) => i + 1)}::int[]) as x`.execute(
          tx,
        );
        expect(rows[0]!.total).toBe((n * (n + 1)) / 2);
      }
      // Unmarked statements stay unnamed.
      await sql`select 1 as one`.execute(tx);

      // The transaction holds one connection, so this sees what the statements above left on it.
      const { rows: prepared } = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements`.execute(tx);
      expect(prepared).toHaveLength(1);
      expect(prepared[0]!.name).toMatch(/^gt_[0-9a-f]{32}$/);
      expect(prepared[0]!.statement).toContain('unnest');
      const { rows: mode } = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(
        tx,
      );
      expect(mode[0]!.plan_cache_mode).toBe('force_custom_plan');
    });
  });

  it('reports a failing marked statement as the error it is, and the connection keeps working', async () => {
    const failing = () => sql`${PREPARED} select 1 / ${0}::int as boom`.execute(database.db);
    await expect(failing()).rejects.toThrow(/division by zero/);
    await expect(failing()).rejects.toThrow(/division by zero/);
    const { rows } = await sql<{ ok: number }>`${PREPARED} select ${7}::int as ok`.execute(
      database.db,
    );
    expect(rows).toEqual([{ ok: 7 }]);
  });
});
