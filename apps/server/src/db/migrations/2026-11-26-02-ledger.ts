import { type Kysely, sql } from 'kysely';

// The verifiable log's tables. Frozen: add a new migration to change them.
export async function up(db: Kysely<any>): Promise<void> {
  // Events written by domain transactions, waiting for the sequencer. The sequencer
  // deletes the rows it sequences in the same transaction that writes them to the log.
  await db.schema
    .createTable('ledger_outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('leaf', 'bytea', (c) => c.notNull())
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();

  // The log itself: entry `idx` is the leaf at that index. Append-only.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('idx', 'bigint', (c) => c.primaryKey())
    .addColumn('outbox_id', 'bigint', (c) => c.notNull().unique())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('leaf', 'bytea', (c) => c.notNull())
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sequenced_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // C2SP tlog-tiles hash tiles, one row per (level, index), growing from partial to full:
  // `data` is the concatenation of the hashes present so far (width × 32 bytes).
  await db.schema
    .createTable('ledger_tiles')
    .addColumn('level', 'smallint', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_tiles_pk', ['level', 'idx'])
    .addCheckConstraint(
      'ledger_tiles_width',
      sql`length(data) between 32 and 8192 and length(data) % 32 = 0`,
    )
    .execute();

  // The tree head: one row, updated by every sequencer batch.
  await db.schema
    .createTable('ledger_state')
    .addColumn('id', 'smallint', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('verifier_key', 'text', (c) => c.notNull())
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('compact_range', 'bytea', (c) => c.notNull())
    .addColumn('root_hash', 'bytea', (c) => c.notNull())
    .addColumn('checkpoint', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Every checkpoint the log signed, so proofs can be asked against any of them.
  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('tree_size', 'bigint', (c) => c.primaryKey())
    .addColumn('root_hash', 'bytea', (c) => c.notNull())
    .addColumn('checkpoint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Cosignatures collected from witnesses (C2SP tlog-witness), per checkpoint.
  await db.schema
    .createTable('ledger_cosignatures')
    .addColumn('tree_size', 'bigint', (c) => c.notNull().references('ledger_checkpoints.tree_size'))
    .addColumn('witness', 'text', (c) => c.notNull())
    .addColumn('signature_line', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_cosignatures_pk', ['tree_size', 'witness'])
    .execute();

  // What each witness last cosigned: the `old` size of the next add-checkpoint.
  await db.schema
    .createTable('ledger_witness_state')
    .addColumn('witness', 'text', (c) => c.primaryKey())
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'ledger_witness_state',
    'ledger_cosignatures',
    'ledger_checkpoints',
    'ledger_state',
    'ledger_tiles',
    'ledger_entries',
    'ledger_outbox',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
