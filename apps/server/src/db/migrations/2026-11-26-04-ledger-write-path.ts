import { type Kysely, sql } from 'kysely';

// The ledger's write path (docs/PERFORMANCE.md). Frozen: add a new migration to change this.
export async function up(db: Kysely<any>): Promise<void> {
  // Each outbox row carries its RFC 9162 leaf hash, SHA-256(0x00 ‖ leaf), computed by
  // PostgreSQL when the appender inserts it: it cannot disagree with the leaf, and the one
  // sequencer (a serial step, one batch at a time) only reads 32 bytes per entry instead of
  // hashing it while every appender waits for the index.
  await sql`alter table ledger_outbox
    add column leaf_hash bytea not null
    generated always as (sha256('\\x00'::bytea || leaf)) stored`.execute(db);

  // Tiles are concatenated SHA-256 hashes, which never compress: store them without trying
  // (EXTERNAL = out of line when large, never compressed).
  await sql`alter table ledger_tiles alter column data set storage external`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_tiles alter column data set storage extended`.execute(db);
  await sql`alter table ledger_outbox drop column leaf_hash`.execute(db);
}
