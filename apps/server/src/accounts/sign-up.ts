import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../db/errors.js';
import type { DB, PlatformRole } from '../db/schema.js';
import { AppError } from '../errors.js';
import { checkPasswordStrength, hashPassword } from './passwords.js';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  platformRole?: PlatformRole | null;
}

export async function signUp(db: Kysely<DB>, input: SignUpInput) {
  const email = normalizeEmail(input.email);
  checkPasswordStrength(input.password, email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db
      .insertInto('users')
      .values({
        email,
        password_hash: passwordHash,
        display_name: input.displayName.trim(),
        platform_role: input.platformRole ?? null,
      })
      .returning(['id', 'email', 'display_name', 'platform_role'])
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_key')) throw new AppError('email_taken');
    throw err;
  }
}
