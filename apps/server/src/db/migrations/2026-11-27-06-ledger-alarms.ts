import { type Kysely, sql } from 'kysely';

// Fork alarms: evidence that a witness holds a history of the log other than ours (it cosigned
// a size beyond ours, refused a consistency proof built from our tree, or cosigned another
// root). Raised by the witness client, read by auditors at GET /api/log/alarms. Frozen: add a
// new migration to change it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_alarms')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('witness', 'text', (c) => c.notNull())
    // The size the witness holds that contradicts the log.
    .addColumn('tree_size', 'bigint', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One alarm per contradiction, however often the client meets it again.
  await db.schema
    .createIndex('ledger_alarms_once')
    .on('ledger_alarms')
    .columns(['kind', 'witness', 'tree_size'])
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ledger_alarms').execute();
}
