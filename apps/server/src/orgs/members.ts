import type { Invitation, Member } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import { normalizeEmail } from '../accounts/sign-up.js';
import { isUniqueViolation } from '../db/errors.js';
import type { DB, OrgRole } from '../db/schema.js';
import { AppError } from '../errors.js';

/**
 * Invitations are addressed to an email. The invitee signs up (or in) with that email and
 * accepts; nobody else can, whoever holds the link.
 */
export async function inviteMember(
  db: Kysely<DB>,
  input: { orgId: string; inviterId: string; email: string; role: OrgRole },
) {
  const email = normalizeEmail(input.email);
  return db.transaction().execute(async (tx) => {
    const member = await tx
      .selectFrom('org_members')
      .innerJoin('users', 'users.id', 'org_members.user_id')
      .select('users.id')
      .where('org_members.org_id', '=', input.orgId)
      .where('users.email', '=', email)
      .executeTakeFirst();
    if (member) throw new AppError('already_member');
    try {
      return await tx
        .insertInto('org_invitations')
        .values({ org_id: input.orgId, email, role: input.role, invited_by: input.inviterId })
        .returning(['id', 'email', 'role', 'created_at'])
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err, 'org_invitations_open')) {
        throw new AppError('already_member', 'An open invitation for this email already exists.');
      }
      throw err;
    }
  });
}

export async function listOpenInvitations(
  db: Kysely<DB>,
  filter: { orgId?: string; email?: string },
): Promise<Invitation[]> {
  let q = db
    .selectFrom('org_invitations')
    .innerJoin('orgs', 'orgs.id', 'org_invitations.org_id')
    .innerJoin('users as inviter', 'inviter.id', 'org_invitations.invited_by')
    .select([
      'org_invitations.id',
      'org_invitations.org_id',
      'orgs.name as org_name',
      'org_invitations.email',
      'org_invitations.role',
      'org_invitations.created_at',
      'inviter.display_name as invited_by_name',
    ])
    .where('org_invitations.accepted_at', 'is', null)
    .where('org_invitations.revoked_at', 'is', null);
  if (filter.orgId) q = q.where('org_invitations.org_id', '=', filter.orgId);
  if (filter.email) q = q.where('org_invitations.email', '=', normalizeEmail(filter.email));
  const rows = await q.orderBy('org_invitations.created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    orgName: r.org_name,
    email: r.email,
    role: r.role,
    invitedBy: r.invited_by_name,
    createdAt: r.created_at.toISOString(),
  }));
}

export async function acceptInvitation(
  db: Kysely<DB>,
  input: { invitationId: string; userId: string; email: string; now: Date },
) {
  return db.transaction().execute(async (tx) => {
    const inv = await tx
      .selectFrom('org_invitations')
      .selectAll()
      .where('id', '=', input.invitationId)
      .forUpdate()
      .executeTakeFirst();
    // Someone else's invitation looks exactly like a missing one.
    if (!inv || inv.email !== normalizeEmail(input.email)) throw new AppError('not_found');
    if (inv.accepted_at || inv.revoked_at) throw new AppError('invitation_not_open');
    const already = await tx
      .selectFrom('org_members')
      .select('role')
      .where('org_id', '=', inv.org_id)
      .where('user_id', '=', input.userId)
      .executeTakeFirst();
    if (already) throw new AppError('already_member');
    await tx
      .insertInto('org_members')
      .values({ org_id: inv.org_id, user_id: input.userId, role: inv.role })
      .execute();
    await tx
      .updateTable('org_invitations')
      .set({ accepted_at: input.now, accepted_by: input.userId })
      .where('id', '=', inv.id)
      .execute();
    return { orgId: inv.org_id, role: inv.role };
  });
}

export async function revokeInvitation(
  db: Kysely<DB>,
  orgId: string,
  invitationId: string,
  now: Date,
) {
  const updated = await db
    .updateTable('org_invitations')
    .set({ revoked_at: now })
    .where('id', '=', invitationId)
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (updated) return;
  // Nothing withdrawn: an invitation of this charity that is no longer open, or none at all
  // (another charity's invitation looks exactly like a missing one).
  const exists = await db
    .selectFrom('org_invitations')
    .select('id')
    .where('id', '=', invitationId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  throw new AppError(
    exists ? 'invitation_not_open' : 'not_found',
    exists ? undefined : 'No such invitation.',
  );
}

export async function listMembers(db: Kysely<DB>, orgId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('org_members')
    .innerJoin('users', 'users.id', 'org_members.user_id')
    .select([
      'users.id',
      'users.email',
      'users.display_name',
      'org_members.role',
      'org_members.created_at',
    ])
    .where('org_members.org_id', '=', orgId)
    .orderBy('org_members.created_at')
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    joinedAt: r.created_at.toISOString(),
  }));
}

/** Removes a member; the last owner cannot be removed, so a charity is never orphaned. */
export async function removeMember(db: Kysely<DB>, orgId: string, userId: string) {
  await db.transaction().execute(async (tx) => {
    const members = await tx
      .selectFrom('org_members')
      .select(['user_id', 'role'])
      .where('org_id', '=', orgId)
      .forUpdate()
      .execute();
    const target = members.find((m) => m.user_id === userId);
    if (!target) throw new AppError('not_found');
    if (target.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1) {
      throw new AppError('last_owner');
    }
    await tx
      .deleteFrom('org_members')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute();
  });
}
