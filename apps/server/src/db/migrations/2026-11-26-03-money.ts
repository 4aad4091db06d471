import { type Kysely, sql } from 'kysely';

/**
 * Projects, donations, disbursements and their allocations (docs/money.md).
 * Frozen in time: never edit a migration that has shipped; add a new one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Evidence and cover images, content-addressed; the bytes live in the file store.
  await db.schema
    .createTable('files')
    .addColumn('sha256', 'text', (c) => c.primaryKey().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('media_type', 'text', (c) =>
      c.notNull().check(sql`media_type in ('application/pdf', 'image/jpeg', 'image/png')`),
    )
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size > 0`))
    .addColumn('uploaded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('story', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('beneficiary_description', 'text', (c) => c.notNull())
    .addColumn('goal_amount', 'bigint', (c) => c.notNull().check(sql`goal_amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency = 'CNY'`))
    .addColumn('start_date', 'date', (c) => c.notNull())
    .addColumn('end_date', 'date', (c) => c.notNull())
    .addColumn('cover_sha256', 'text', (c) => c.references('files.sha256'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft', 'published', 'closed')`),
    )
    // Spending is rare and serialised per project (all fund shards are locked), so a plain
    // column is fine here; donations never touch this row.
    .addColumn('disbursed', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`disbursed >= 0`))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addCheckConstraint('projects_dates', sql`end_date >= start_date`)
    .addCheckConstraint('projects_published_at', sql`(status = 'draft') = (published_at is null)`)
    .execute();
  await db.schema.createIndex('projects_org').on('projects').column('org_id').execute();
  await sql`create index projects_published on projects (published_at desc) where status = 'published'`.execute(
    db,
  );

  await db.schema
    .createTable('project_budget_lines')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    // A line removed after spending keeps its row (its disbursements point at it).
    .addColumn('removed', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('project_budget_lines_project')
    .on('project_budget_lines')
    .column('project_id')
    .execute();

  // The project's money, split over shards so that no single row is locked by every donation.
  await db.schema
    .createTable('project_funds')
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('shard', 'smallint', (c) => c.notNull())
    .addColumn('raised', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`raised >= 0`))
    .addColumn('refunded', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`refunded >= 0`))
    .addColumn('donations', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('project_funds_pk', ['project_id', 'shard'])
    .addCheckConstraint('project_funds_balance_not_negative', sql`balance >= 0`)
    .execute();

  await db.schema
    .createTable('beneficiaries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('school', 'person', 'supplier')`),
    )
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('beneficiaries_org')
    .on('beneficiaries')
    .columns(['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('recurring_donations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id'))
    .addColumn('donor_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('donor_email', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('anonymous', 'boolean', (c) => c.notNull())
    .addColumn('next_charge_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'active', 'stopped')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('stopped_at', 'timestamptz')
    .execute();
  await sql`create index recurring_due on recurring_donations (next_charge_at) where status = 'active'`.execute(
    db,
  );

  await sql`create sequence donation_paid_seq`.execute(db);
  await db.schema
    .createTable('donations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency = 'CNY'`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'paid', 'failed', 'refunded')`),
    )
    .addColumn('donor_user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('donor_email', 'text')
    .addColumn('display_name', 'text')
    .addColumn('anonymous', 'boolean', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('recurring_id', 'uuid', (c) => c.references('recurring_donations.id'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_ref', 'text', (c) => c.unique())
    // What the donor's client needs to pay (kept so a retried request gets the same answer).
    .addColumn('checkout_url', 'text')
    .addColumn('client_secret', 'text')
    .addColumn('shard', 'smallint', (c) => c.notNull())
    // The donor's secret behind the commitment on the log; only the donor's receipt shows it.
    .addColumn('donor_secret', 'bytea', (c) => c.notNull())
    // SHA-256 of the guest's access token (the token itself is only in the donor's link).
    .addColumn('access_token_hash', 'text', (c) => c.notNull())
    .addColumn('paid_seq', 'bigint', (c) => c.unique())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('allocated', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('outbox_id', 'bigint')
    .addColumn('refund_reason', 'text')
    .addColumn('refunded_at', 'timestamptz')
    .addColumn('refund_outbox_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'donations_donor',
      sql`donor_user_id is not null or donor_email is not null`,
    )
    .addCheckConstraint('donations_allocated', sql`allocated >= 0 and allocated <= amount`)
    .addCheckConstraint(
      'donations_paid',
      sql`(status in ('paid', 'refunded')) = (paid_seq is not null and paid_at is not null)`,
    )
    .execute();
  // The FIFO queue of a project's money not yet spent.
  await sql`create index donations_unallocated on donations (project_id, paid_seq)
    where status = 'paid' and allocated < amount`.execute(db);
  await sql`create index donations_project_paid on donations (project_id, paid_at desc)
    where status in ('paid', 'refunded')`.execute(db);
  await sql`create index donations_donor on donations (donor_user_id, created_at desc)
    where donor_user_id is not null`.execute(db);

  await db.schema
    .createTable('disbursements')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('project_id', 'uuid', (c) => c.notNull().references('projects.id'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('budget_line_id', 'uuid', (c) => c.notNull().references('project_budget_lines.id'))
    .addColumn('beneficiary_id', 'uuid', (c) => c.notNull().references('beneficiaries.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('paid_on', 'date', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    // SHA-256 of the one-time code the beneficiary confirms with.
    .addColumn('ack_code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('ack_note', 'text')
    .addColumn('ack_photo_sha256', 'text', (c) => c.references('files.sha256'))
    .addColumn('ack_outbox_id', 'bigint')
    .addCheckConstraint(
      'disbursements_ack',
      sql`(acknowledged_at is null) = (ack_outbox_id is null)`,
    )
    .execute();
  await db.schema
    .createIndex('disbursements_project')
    .on('disbursements')
    .columns(['project_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('disbursement_evidence')
    .addColumn('disbursement_id', 'uuid', (c) =>
      c.notNull().references('disbursements.id').onDelete('cascade'),
    )
    .addColumn('sha256', 'text', (c) => c.notNull().references('files.sha256'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('invoice', 'receipt', 'photo')`),
    )
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('disbursement_evidence_pk', ['disbursement_id', 'sha256'])
    .execute();

  await db.schema
    .createTable('allocations')
    .addColumn('disbursement_id', 'uuid', (c) =>
      c.notNull().references('disbursements.id').onDelete('cascade'),
    )
    .addColumn('donation_id', 'uuid', (c) => c.notNull().references('donations.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('position', 'integer', (c) => c.notNull())
    // The log event that lists this allocation (funds.disbursed, or a funds.allocated part).
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('allocations_pk', ['disbursement_id', 'donation_id'])
    .execute();
  await db.schema
    .createIndex('allocations_donation')
    .on('allocations')
    .column('donation_id')
    .execute();

  // Which log events concern a project, so its page can list its history.
  await db.schema
    .createTable('project_events')
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_events_pk', ['project_id', 'outbox_id'])
    .execute();

  // Webhook events already handled, so a replayed callback changes nothing.
  await db.schema
    .createTable('payment_events')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('donation_id', 'uuid')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('payment_events_pk', ['provider', 'event_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'payment_events',
    'project_events',
    'allocations',
    'disbursement_evidence',
    'disbursements',
    'donations',
    'recurring_donations',
    'beneficiaries',
    'project_funds',
    'project_budget_lines',
    'projects',
    'files',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop sequence donation_paid_seq`.execute(db);
}
