import type { BeneficiaryBody, Beneficiary as BeneficiaryView } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { BeneficiaryKind, DB } from '../db/schema.js';

export type BeneficiaryInput = BeneficiaryBody;

/** A payee a charity pays from its projects: a school, a person or a supplier. */
export async function createBeneficiary(db: Kysely<DB>, orgId: string, input: BeneficiaryInput) {
  const row = await db
    .insertInto('beneficiaries')
    .values({
      org_id: orgId,
      name: input.name.trim(),
      kind: input.kind,
      region: input.region.trim(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toBeneficiaryView(row);
}

/** One of the charity's payees, as a disbursement names it. */
export async function findBeneficiary(db: Kysely<DB>, orgId: string, beneficiaryId: string) {
  return db
    .selectFrom('beneficiaries')
    .select(['id', 'name', 'kind', 'region'])
    .where('id', '=', beneficiaryId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export async function listBeneficiaries(db: Kysely<DB>, orgId: string) {
  const rows = await db
    .selectFrom('beneficiaries')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
  return rows.map(toBeneficiaryView);
}

function toBeneficiaryView(row: {
  id: string;
  name: string;
  kind: BeneficiaryKind;
  region: string;
  created_at: Date;
}): BeneficiaryView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    region: row.region,
    createdAt: row.created_at.toISOString(),
  };
}
