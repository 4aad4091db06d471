import { type Kysely, sql } from 'kysely';

// Payment callbacks in any order (docs/money.md). A refund or chargeback of money the charity
// had already spent leaves the spent part owed: `owed` on the donation's fund shard, never a
// negative balance. A refund or dispute of a donation not paid yet is kept in payment_events
// with outcome 'held' until the success credits it; the partial index finds a credited
// donation's held notices (there are few) without reading the rest. Frozen: add a new
// migration to change it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table project_funds
    add column owed bigint not null default 0
    constraint project_funds_owed_not_negative check (owed >= 0)`.execute(db);
  await sql`create index payment_events_held on payment_events (donation_id)
    where outcome = 'held'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index payment_events_held`.execute(db);
  await sql`alter table project_funds drop column owed`.execute(db);
}
