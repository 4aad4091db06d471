import { PASSWORD_MAX_LENGTH } from '@goodtrace/contract';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors.js';

/**
 * argon2id with OWASP's second recommended profile (19 MiB, t=2, p=1): ~20 ms a hash on
 * this machine, slow enough to hurt an offline guesser, fast enough for sign-in.
 */
const params = {
  algorithm: 2 /* Algorithm.Argon2id, a const enum */ as const,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const passwordRules = { minLength: 10, maxLength: PASSWORD_MAX_LENGTH } as const;

// The most common passwords that satisfy the length rule (from public breach corpora).
const common = new Set([
  '1234567890',
  '0123456789',
  '12345678910',
  'qwertyuiop',
  'password12',
  'password123',
  'password1234',
  'iloveyou12',
  '1q2w3e4r5t',
  'qwerty1234',
  'qwerty12345',
  '1qaz2wsx3edc',
  'abcdefghij',
  'abc1234567',
  'a123456789',
  '11111111111',
  '0000000000',
  '9876543210',
  'woaini1314',
  'goodtrace123',
]);

/** Refuses passwords that are short, huge (argon2 input is bounded), common or trivial. */
export function checkPasswordStrength(password: string, email: string): void {
  const lower = password.toLowerCase();
  const weak =
    password.length < passwordRules.minLength ||
    common.has(lower) ||
    new Set(password).size < 4 ||
    lower.includes(email.split('@')[0]!.toLowerCase() || '\u0000');
  if (password.length > passwordRules.maxLength) {
    throw new AppError('weak_password', `Use at most ${passwordRules.maxLength} characters.`);
  }
  if (weak) throw new AppError('weak_password');
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, params);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a corrupt stored hash is a failed sign-in, not a crash
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Signing in with an unknown email still costs one argon2 verification, so response time
 * does not tell an attacker which emails have accounts.
 */
export async function burnVerification(password: string): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-account-password');
  await verifyPassword(await dummyHash, password);
}
