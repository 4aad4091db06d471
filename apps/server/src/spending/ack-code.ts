import { randomInt } from 'node:crypto';

// No 0/O, 1/I/L: a code read aloud or copied from paper should survive it.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * A one-time code the charity hands to the beneficiary (printed, sent by message, or as the
 * link /ack/<code>). 15 characters of a 31-letter alphabet: about 74 bits, so codes cannot be
 * guessed; only its SHA-256 is stored.
 */
export function newAckCode(): string {
  let code = '';
  for (let i = 0; i < 15; i++) {
    if (i > 0 && i % 5 === 0) code += '-';
    code += ALPHABET[randomInt(ALPHABET.length)];
  }
  return code;
}

/** Accepts the code as typed: any case, with or without dashes and spaces. */
export function normalizeAckCode(input: string): string | null {
  const bare = input.toUpperCase().replace(/[\s-]/g, '');
  if (bare.length !== 15 || [...bare].some((c) => !ALPHABET.includes(c))) return null;
  return `${bare.slice(0, 5)}-${bare.slice(5, 10)}-${bare.slice(10)}`;
}
