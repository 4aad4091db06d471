import { describe, expect, it } from 'vitest';
import { type Check, readReceiptFile, receiptFile, verifyReceiptFile } from '../src/index.js';
import { at, donationId, makeLog, otherDonationId, secret } from './fixtures.js';

/**
 * A receipt file as a donor downloads it and `goodtrace verify` reads it: a bare receipt, or the
 * donor's copy `{ receipt, donor: { secret, donationId } }` that also proves the donation is theirs.
 */

const log = makeLog();
const names = (r: { checks: Check[] }) => r.checks.map((c) => [c.name, c.ok]);

describe('a receipt file', () => {
  it('bare: its log part, and the event it proves', () => {
    const fact = verifyReceiptFile(log.receipt(at.other), log.trust);
    expect(fact.state).toBe('verified');
    expect(names(fact).map(([n]) => n)).toEqual([
      'logSignature',
      'origin',
      'witnesses',
      'inclusion',
    ]);
    expect(fact.entry?.event.type).toBe('donation.received');
  });

  it("the donor's copy: also this donation's event, committed to the donor's secret", () => {
    const file = receiptFile(log.receipt(at.donation), { secret, donationId });
    expect(readReceiptFile(JSON.parse(JSON.stringify(file)))).toEqual(file);
    const fact = verifyReceiptFile(file, log.trust);
    expect(fact.state).toBe('verified');
    expect(names(fact).slice(4)).toEqual([
      ['event', true],
      ['donor', true],
    ]);
  });

  it("a donor's secret with another donation's receipt fails: the receipt is not theirs", () => {
    const fact = verifyReceiptFile(
      { receipt: log.receipt(at.other), donor: { secret, donationId } },
      log.trust,
    );
    expect(fact).toMatchObject({ state: 'failed', reason: 'wrong_donation' });
  });

  it("another donation's id with the donor's secret fails the commitment", () => {
    const fact = verifyReceiptFile(
      { receipt: log.receipt(at.other), donor: { secret, donationId: otherDonationId } },
      log.trust,
    );
    expect(fact).toMatchObject({ state: 'failed', reason: 'commitment_mismatch' });
  });

  it('with a secret that is not 64 hex digits fails the donor check', () => {
    const fact = verifyReceiptFile(
      { receipt: log.receipt(at.donation), donor: { secret: 'abcd', donationId } },
      log.trust,
    );
    expect(fact).toMatchObject({ state: 'failed', reason: 'bad_secret' });
  });

  it.each([
    ['an array', [], /JSON object/],
    ['a stray member', { receipt: {}, extra: 1 }, /unexpected member extra/],
    ['a donor without id', { receipt: {}, donor: { secret: 'ab'.repeat(32) } }, /donor must be/],
    ['a donor that is not an object', { receipt: {}, donor: 'me' }, /donor must be/],
  ])('malformed, %s, fails its receipt check', (_, document, message) => {
    const fact = verifyReceiptFile(document, log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'malformed_file' });
    expect(fact.checks).toEqual([
      {
        name: 'receipt',
        ok: false,
        reason: 'malformed_file',
        message: expect.stringMatching(message),
      },
    ]);
  });

  it('with a receipt missing members fails its receipt check with the ledger’s reason', () => {
    const fact = verifyReceiptFile({ version: 1 }, log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'malformed_receipt' });
    expect(fact.checks[0]!.message).toMatch(/exactly the members/);
  });
});
