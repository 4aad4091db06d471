import type { Cause } from '@goodtrace/contract';
import { type Kysely, sql } from 'kysely';
import type { DB, OrgStatus } from '../db/schema.js';
import { publicOrgColumns } from './queries.js';

export interface OrgSearch {
  q?: string;
  city?: string;
  cause?: Cause;
  status: OrgStatus;
  page: number;
  pageSize: number;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Lists charities with one status (the public sees only verified ones), newest review first. */
export async function searchOrgs(db: Kysely<DB>, search: OrgSearch) {
  let query = db.selectFrom('orgs').where('orgs.status', '=', search.status);
  const q = search.q?.trim();
  if (q) {
    const pattern = `%${escapeLike(q)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('orgs.name', 'ilike', pattern),
        eb('orgs.description', 'ilike', pattern),
        eb('orgs.registration_number', 'ilike', pattern),
      ]),
    );
  }
  if (search.city?.trim())
    query = query.where(sql`lower(orgs.city)`, '=', search.city.trim().toLowerCase());
  if (search.cause) query = query.where('orgs.cause', '=', search.cause);
  const [{ total }] = (await query
    .select((eb) => eb.fn.countAll<string>().as('total'))
    .execute()) as [{ total: string }];
  const rows = await query
    .select([...publicOrgColumns, 'orgs.rejection_reason', 'orgs.updated_at'])
    .orderBy('orgs.name')
    .orderBy('orgs.id')
    .limit(search.pageSize)
    .offset((search.page - 1) * search.pageSize)
    .execute();
  return { total: Number(total), rows };
}

export async function listOrgsOfUser(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('org_members')
    .innerJoin('orgs', 'orgs.id', 'org_members.org_id')
    .select([...publicOrgColumns, 'orgs.rejection_reason', 'orgs.updated_at', 'org_members.role'])
    .where('org_members.user_id', '=', userId)
    .orderBy('orgs.created_at', 'desc')
    .execute();
}
