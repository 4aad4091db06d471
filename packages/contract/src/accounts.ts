import { type Static, Type } from 'typebox';
import { PASSWORD_MAX_LENGTH } from './lists.js';
import { Email, Nullable, Text, Uuid } from './values.js';

/** Accounts: sign up, sign in, sign out, the current session (apps/server/src/accounts/). */

export const PlatformRole = Type.Union([Type.Literal('admin'), Type.Literal('auditor')]);
export type PlatformRole = Static<typeof PlatformRole>;

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  platformRole: Nullable(PlatformRole),
});
export type User = Static<typeof User>;

/** The signed-in account and the CSRF token every write with its cookie sends; or nulls. */
export const SessionResponse = Type.Object({
  user: Nullable(User),
  csrfToken: Nullable(Type.String()),
});
export type SessionResponse = Static<typeof SessionResponse>;

const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });

export const SignUpBody = Type.Object(
  { email: Email, password: Password, displayName: Text(80) },
  { additionalProperties: false },
);
export type SignUpBody = Static<typeof SignUpBody>;

export const SignInBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;
