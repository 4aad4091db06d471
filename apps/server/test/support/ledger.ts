import { type Kysely, sql } from 'kysely';
import type { DB } from '../../src/db/schema.js';

/** An outbox row's log index, or null while it is pending (or if it never committed). */
export async function logIndexOf(db: Kysely<DB>, outboxId: string): Promise<number | null> {
  const { rows } = await sql<{ idx: string | null }>`
    select ledger_index_of(${outboxId}::bigint)::text as idx`.execute(db);
  const idx = rows[0]?.idx ?? null;
  return idx === null ? null : Number(idx);
}
