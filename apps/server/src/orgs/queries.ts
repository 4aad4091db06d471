import type { Org } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB, OrgRole } from '../db/schema.js';

/** Public columns of a charity: what anyone may see once it is verified. */
export const publicOrgColumns = [
  'orgs.id',
  'orgs.name',
  'orgs.registration_number',
  'orgs.city',
  'orgs.cause',
  'orgs.contact_email',
  'orgs.contact_phone',
  'orgs.website',
  'orgs.description',
  'orgs.status',
  'orgs.created_at',
  'orgs.reviewed_at',
] as const;

export async function findOrg(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('orgs')
    .select([...publicOrgColumns, 'orgs.rejection_reason', 'orgs.updated_at'])
    .where('orgs.id', '=', orgId)
    .executeTakeFirst();
}

/** Charities' names by id, for views that name them. */
export async function orgNames(db: Kysely<DB>, ids: string[]): Promise<Map<string, string>> {
  const rows = ids.length
    ? await db.selectFrom('orgs').select(['id', 'name']).where('id', 'in', ids).execute()
    : [];
  return new Map(rows.map((o) => [o.id, o.name]));
}

export async function findMembership(
  db: Kysely<DB>,
  orgId: string,
  userId: string,
): Promise<OrgRole | undefined> {
  const row = await db
    .selectFrom('org_members')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

export type OrgRow = NonNullable<Awaited<ReturnType<typeof findOrg>>>;

/** The API's view of a charity; the rejection reason only for those allowed to see it. */
export function toOrgView(row: OrgRow, withPrivate: boolean): Org {
  return {
    id: row.id,
    name: row.name,
    registrationNumber: row.registration_number,
    city: row.city,
    cause: row.cause,
    contactEmail: row.contact_email,
    contactPhone: row.contact_phone,
    website: row.website,
    description: row.description,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    reviewedAt: row.reviewed_at?.toISOString() ?? null,
    ...(withPrivate ? { rejectionReason: row.rejection_reason } : {}),
  };
}
