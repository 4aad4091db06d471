import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { burnVerification, verifyPassword } from './passwords.js';
import { normalizeEmail } from './sign-up.js';

/** Returns the user for a correct email and password; one error for every wrong case. */
export async function checkCredentials(db: Kysely<DB>, emailInput: string, password: string) {
  const email = normalizeEmail(emailInput);
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'platform_role', 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst();
  if (!user) {
    await burnVerification(password);
    throw new AppError('invalid_credentials');
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    throw new AppError('invalid_credentials');
  }
  return user;
}
