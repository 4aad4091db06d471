import type { RegisterOrgBody } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findOrg } from './queries.js';

/** What a charity declares about itself (the contract's request body). */
export type OrgDetails = RegisterOrgBody;

/** Registers a charity awaiting verification; its registrant becomes its first owner. */
export async function registerOrg(db: Kysely<DB>, userId: string, input: OrgDetails) {
  return db.transaction().execute(async (tx) => {
    let id: string;
    try {
      ({ id } = await tx
        .insertInto('orgs')
        .values({
          name: input.name.trim(),
          registration_number: input.registrationNumber.trim().toUpperCase(),
          city: input.city.trim(),
          cause: input.cause,
          contact_email: input.contactEmail.trim().toLowerCase(),
          contact_phone: input.contactPhone?.trim() || null,
          website: input.website?.trim() || null,
          description: input.description.trim(),
          status: 'pending',
          created_by: userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow());
    } catch (err) {
      if (isUniqueViolation(err, 'orgs_registration_number_key')) {
        throw new AppError('registration_number_taken');
      }
      throw err;
    }
    await tx
      .insertInto('org_members')
      .values({ org_id: id, user_id: userId, role: 'owner' })
      .execute();
    return (await findOrg(tx, id))!;
  });
}

/** Members edit their charity's details; a verified charity's registration number is fixed. */
export async function updateOrg(db: Kysely<DB>, orgId: string, input: Partial<OrgDetails>) {
  return db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('orgs')
      .select(['status'])
      .where('id', '=', orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new AppError('not_found');
    if (input.registrationNumber !== undefined && current.status === 'verified') {
      throw new AppError(
        'forbidden',
        'A verified charity cannot change its registration number; contact the platform.',
      );
    }
    const values: Record<string, string | null | Date> = { updated_at: new Date() };
    if (input.name !== undefined) values.name = input.name.trim();
    if (input.registrationNumber !== undefined) {
      values.registration_number = input.registrationNumber.trim().toUpperCase();
    }
    if (input.city !== undefined) values.city = input.city.trim();
    if (input.cause !== undefined) values.cause = input.cause;
    if (input.contactEmail !== undefined)
      values.contact_email = input.contactEmail.trim().toLowerCase();
    if (input.contactPhone !== undefined) values.contact_phone = input.contactPhone?.trim() || null;
    if (input.website !== undefined) values.website = input.website?.trim() || null;
    if (input.description !== undefined) values.description = input.description.trim();
    try {
      await tx.updateTable('orgs').set(values).where('id', '=', orgId).execute();
    } catch (err) {
      if (isUniqueViolation(err, 'orgs_registration_number_key')) {
        throw new AppError('registration_number_taken');
      }
      throw err;
    }
    return (await findOrg(tx, orgId))!;
  });
}

/** A rejected charity, after fixing what the reviewer asked, goes back into the queue. */
export async function resubmitOrg(db: Kysely<DB>, orgId: string, actorId: string) {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('orgs')
      .set({ status: 'pending', rejection_reason: null, updated_at: new Date() })
      .where('id', '=', orgId)
      .where('status', '=', 'rejected')
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw new AppError('org_not_rejected');
    await tx
      .insertInto('org_reviews')
      .values({ org_id: orgId, decision: 'resubmitted', reason: null, actor_id: actorId })
      .execute();
    return (await findOrg(tx, orgId))!;
  });
}
