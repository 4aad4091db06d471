import { type Kysely, sql } from 'kysely';

/**
 * Auditors' findings on a charity (or one of its disbursements) and the charity's answers
 * (docs/ledger.md "Audit events"). Each filing, answer and closing also goes on the log, in the
 * same transaction; the text stays here, the log carries its hash.
 * Frozen: add a new migration to change these tables.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('findings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('project_id', 'uuid', (c) => c.references('projects.id'))
    .addColumn('disbursement_id', 'uuid', (c) => c.references('disbursements.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) =>
      c.notNull().check(sql`severity in ('low', 'medium', 'high')`),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('open', 'answered', 'closed')`),
    )
    .addColumn('filed_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('closed_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('closed_outbox_id', 'bigint')
    // A finding on a disbursement names its project too (both from the disbursement).
    .addCheckConstraint(
      'findings_subject',
      sql`(disbursement_id is null) or (project_id is not null)`,
    )
    .addCheckConstraint(
      'findings_closed',
      sql`(status = 'closed') = (closed_at is not null and closed_outbox_id is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('findings_org')
    .on('findings')
    .columns(['org_id', 'created_at'])
    .execute();
  await db.schema.createIndex('findings_created').on('findings').column('created_at').execute();

  await db.schema
    .createTable('finding_answers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('finding_id', 'uuid', (c) => c.notNull().references('findings.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('answered_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('outbox_id', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('finding_answers_finding')
    .on('finding_answers')
    .columns(['finding_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('finding_answers').execute();
  await db.schema.dropTable('findings').execute();
}
