import { type Kysely, sql } from 'kysely';

/**
 * Who may cite a file. Files are content-addressed and their bytes shared: two charities that
 * upload the same invoice store it once. What a charity may cite as evidence or use as a cover
 * is what it uploaded itself, so each upload records its owner here: a charity (an evidence or
 * cover upload, by one of its members) or a disbursement's acknowledgement (the beneficiary's
 * photo, uploaded with its one-time code). Uploading the same bytes again through one's own
 * route adds one's own row.
 *
 * Files uploaded before this migration get owners from what is known of them: the charity of
 * each disbursement citing one, of each project using one as its cover, the acknowledgement
 * whose photo it is, and the charities its uploader is a member of now (the upload route
 * recorded the uploader, not the charity).
 *
 * Frozen: a migration's text never changes once applied; add a new one to change this.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table file_owners (
      sha256 text not null references files (sha256),
      org_id uuid references orgs (id),
      disbursement_id uuid references disbursements (id),
      uploaded_by uuid references users (id),
      created_at timestamptz not null default now(),
      constraint file_owners_one_owner check ((org_id is null) <> (disbursement_id is null))
    )
  `.execute(db);
  await sql`
    create unique index file_owners_org on file_owners (org_id, sha256)
      where org_id is not null
  `.execute(db);
  await sql`
    create unique index file_owners_acknowledgement on file_owners (disbursement_id, sha256)
      where disbursement_id is not null
  `.execute(db);

  await sql`
    insert into file_owners (sha256, org_id, uploaded_by, created_at)
    select sha256, org_id, min(uploaded_by::text)::uuid, min(created_at)
    from (
      select e.sha256, d.org_id, null::uuid as uploaded_by, d.created_at
        from disbursement_evidence e join disbursements d on d.id = e.disbursement_id
      union all
      select p.cover_sha256, p.org_id, null, p.created_at
        from projects p where p.cover_sha256 is not null
      union all
      select f.sha256, m.org_id, f.uploaded_by, f.created_at
        from files f join org_members m on m.user_id = f.uploaded_by
    ) known
    group by sha256, org_id
  `.execute(db);
  await sql`
    insert into file_owners (sha256, disbursement_id, created_at)
    select ack_photo_sha256, id, acknowledged_at
      from disbursements where ack_photo_sha256 is not null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table file_owners`.execute(db);
}
