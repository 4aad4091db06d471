import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Sessions live in the database so API processes stay stateless. The cookie carries a
 * random 256-bit token; the table keeps only its SHA-256, so reading the table does not
 * let anyone sign in. Each session has its own CSRF token, sent back by the client in the
 * X-CSRF-Token header on every write.
 */
export interface SessionUser {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: {
    id: string;
    email: string;
    displayName: string;
    platformRole: 'admin' | 'auditor' | null;
  };
}

export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  db: Kysely<DB>,
  userId: string,
  now: Date,
  ttlHours: number,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await db
    .insertInto('sessions')
    .values({
      id: sessionIdOf(token),
      user_id: userId,
      csrf_token: csrfToken,
      expires_at: expiresAt,
    })
    .execute();
  return { token, csrfToken, expiresAt };
}

export type SessionLookup =
  | { status: 'valid'; session: SessionUser }
  | { status: 'expired' }
  | { status: 'unknown' };

export async function findSession(
  db: Kysely<DB>,
  token: string,
  now: Date,
): Promise<SessionLookup> {
  // Tokens we issue are 43 base64url characters; anything else cannot be ours.
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { status: 'unknown' };
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.csrf_token',
      'sessions.expires_at',
      'users.id as user_id',
      'users.email',
      'users.display_name',
      'users.platform_role',
    ])
    .where('sessions.id', '=', sessionIdOf(token))
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  if (row.expires_at.getTime() <= now.getTime()) {
    await db.deleteFrom('sessions').where('id', '=', row.id).execute();
    return { status: 'expired' };
  }
  return {
    status: 'valid',
    session: {
      sessionId: row.id,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
      user: {
        id: row.user_id,
        email: row.email,
        displayName: row.display_name,
        platformRole: row.platform_role,
      },
    },
  };
}

export async function deleteSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
