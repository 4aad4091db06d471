import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A donor is on the log only as a commitment to a secret that only their receipt holds
 * (docs/money.md; packages/ledger defines it for the server, the browser and the CLI alike).
 */
export { donorCommitment } from '@goodtrace/ledger';

export function newDonorSecret(): Buffer {
  return randomBytes(32);
}

/**
 * The guest donor's access token for their donation page, derived from the donor secret so a
 * retried request (same Idempotency-Key) gets the same link back without the token being
 * stored; only its SHA-256 is kept.
 */
export function accessToken(secret: Uint8Array): string {
  return createHash('sha256').update('goodtrace donor access\0').update(secret).digest('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Which of a project's fund shards a donation credits: spread by its id. */
export function shardOf(donationId: string, shards: number): number {
  return Number.parseInt(donationId.replace(/-/g, '').slice(0, 8), 16) % shards;
}
