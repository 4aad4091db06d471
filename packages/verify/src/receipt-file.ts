// A receipt file, as a donor downloads it and `goodtrace verify` reads it: either a bare
// receipt (GET /api/receipts/:id) or `{ "receipt": …, "donor": { "secret", "donationId" } }`,
// the donor's copy whose secret proves the donation is theirs. Written by the donor's page,
// read by the CLI: the one definition of that format.

import { VerifyError } from './errors.js';
import { verifyDonation, verifyEntry } from './facts.js';
import { type FactResult, factOf, fail } from './result.js';
import type { Trust } from './trust.js';

/** The donor's proof that a donation is theirs. */
export interface DonorProof {
  /** The 32-byte secret, hex. */
  secret: string;
  donationId: string;
}

export interface ReceiptFile {
  receipt: unknown;
  donor?: DonorProof;
}

/** The file a donor downloads with their secret. */
export function receiptFile(receipt: unknown, donor: DonorProof): Required<ReceiptFile> {
  return { receipt, donor: { secret: donor.secret, donationId: donor.donationId } };
}

/**
 * Splits a receipt file (parsed JSON) into the receipt and the optional donor proof. Throws a
 * VerifyError `malformed_file` that says what is wrong. The secret's own format is the donor
 * check's to judge (`bad_secret`), as it is for a secret from anywhere else.
 */
export function readReceiptFile(document: unknown): ReceiptFile {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new VerifyError('malformed_file', 'a receipt file holds a JSON object');
  }
  const doc = document as Record<string, unknown>;
  if (!Object.hasOwn(doc, 'receipt')) return { receipt: document };
  const extra = Object.keys(doc).filter((k) => k !== 'receipt' && k !== 'donor');
  if (extra.length > 0) {
    throw new VerifyError('malformed_file', `unexpected member ${extra[0]} beside receipt`, {
      field: extra[0]!,
    });
  }
  if (doc.donor === undefined) return { receipt: doc.receipt };
  const donor = doc.donor as Partial<DonorProof> | null;
  if (
    typeof donor !== 'object' ||
    donor === null ||
    typeof donor.secret !== 'string' ||
    typeof donor.donationId !== 'string' ||
    donor.donationId === ''
  ) {
    throw new VerifyError(
      'malformed_file',
      'donor must be { "secret": "<hex>", "donationId": "<id>" }',
      {
        field: 'donor',
      },
    );
  }
  return { receipt: doc.receipt, donor: { secret: donor.secret, donationId: donor.donationId } };
}

/**
 * Verifies a receipt file under `trust`: the receipt's log part, and with a donor proof that
 * the event is that donation's `donation.received` committed to that secret. Never throws for
 * a bad file: a malformed one fails its `receipt` check with `malformed_file`.
 */
export function verifyReceiptFile(document: unknown, trust: Trust): FactResult {
  let file: ReceiptFile;
  try {
    file = readReceiptFile(document);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return factOf([fail('receipt', 'malformed_file', undefined, e.message)]);
  }
  if (file.donor === undefined) return verifyEntry(file.receipt, trust);
  return verifyDonation(file.receipt, trust, {
    donationId: file.donor.donationId,
    secret: file.donor.secret,
  });
}
