import { createHash } from 'node:crypto';
import { generateSignerKey, type Receipt } from '@goodtrace/ledger';
import { describe, expect, it } from 'vitest';
import { donorCommitment, type Trust, verifyReceiptDocument } from '../src/verify-receipt.js';
import { makeLog, ORIGIN, withoutCosignature } from './fixtures.js';

const log = makeLog();
const trust: Trust = {
  logKey: log.logKey.verifierKey,
  witnesses: log.witnessKeys.map((w) => w.verifierKey),
  quorum: 3,
  origin: ORIGIN,
};

function tamper(receipt: Receipt, change: (data: Record<string, unknown>) => void): Receipt {
  const copy = structuredClone(receipt);
  change(copy.event.data as Record<string, unknown>);
  return copy;
}

const failing = (r: ReturnType<typeof verifyReceiptDocument>) => r.checks.find((c) => !c.ok);

describe('verifying a receipt file', () => {
  it('accepts a genuine receipt and lists every check it made, in order', () => {
    const result = verifyReceiptDocument(log.receipt(1), trust);
    expect(result.valid).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.checks.map((c) => c.label)).toEqual([
      `log signature by ${ORIGIN}`,
      `checkpoint origin ${ORIGIN}`,
      '3 of 3 witness cosignatures',
      'inclusion of leaf 1 in tree 5',
      'event donation.received (v1) at 2026-11-26T09:01:00Z, ¥1,284.56, ' +
        `donationId ${log.donations[1]!.donationId}, projectId p-1, orgId o-1`,
    ]);
    expect(result.checks[2]!.detail).toBe(
      'quorum 3: witness-0.test, witness-1.test, witness-2.test',
    );
  });

  it('accepts the JSON text of a receipt as well as the object', () => {
    expect(verifyReceiptDocument(JSON.parse(JSON.stringify(log.receipt(4))), trust).valid).toBe(
      true,
    );
  });

  it('refuses a receipt whose amount was changed: the inclusion check fails', () => {
    const result = verifyReceiptDocument(
      tamper(log.receipt(2), (d) => {
        d.amount = 999_999;
      }),
      trust,
    );
    expect(result.valid).toBe(false);
    expect(result.failure?.code).toBe('root_mismatch');
    // The checkpoint itself is still genuine: only the event no longer belongs to it.
    expect(result.checks.slice(0, 3).every((c) => c.ok)).toBe(true);
    expect(failing(result)).toMatchObject({
      label: 'inclusion of leaf 2 in tree 5',
      detail: expect.stringMatching(/event or the proof was altered/),
    });
  });

  it('refuses a receipt moved to another leaf index', () => {
    const result = verifyReceiptDocument({ ...log.receipt(2), leafIndex: 3 }, trust);
    expect(result.valid).toBe(false);
    expect(failing(result)?.label).toBe('inclusion of leaf 3 in tree 5');
  });

  it('refuses a receipt checked against another log key', () => {
    const other = generateSignerKey(ORIGIN);
    const result = verifyReceiptDocument(log.receipt(0), { ...trust, logKey: other.verifierKey });
    expect(result.valid).toBe(false);
    expect(result.failure?.code).toBe('log_signature_missing');
    expect(failing(result)?.label).toBe(`checkpoint signed by the log key ${ORIGIN}`);
  });

  it('refuses a checkpoint whose origin is not the expected one', () => {
    const result = verifyReceiptDocument(log.receipt(0), { ...trust, origin: 'other.test/log' });
    expect(result.failure?.code).toBe('origin_mismatch');
    expect(result.checks.map((c) => c.ok)).toEqual([true, false]);
  });

  it('refuses a receipt when fewer witnesses cosigned than the quorum, and accepts a lower quorum', () => {
    const receipt = withoutCosignature(log.receipt(3), 'witness-1.test');
    const strict = verifyReceiptDocument(receipt, trust);
    expect(strict.valid).toBe(false);
    expect(strict.failure?.code).toBe('quorum_not_met');
    expect(failing(strict)).toMatchObject({
      label: '3 of 3 witness cosignatures',
      detail: '2 of the required 3 witness cosignatures verified',
    });
    const lenient = verifyReceiptDocument(receipt, { ...trust, quorum: 2 });
    expect(lenient.valid).toBe(true);
    expect(lenient.checks[2]).toMatchObject({ label: '2 of 3 witness cosignatures' });
  });

  it('refuses a forged cosignature by a trusted witness', () => {
    const receipt = log.receipt(0);
    const lines = receipt.checkpoint.split('\n');
    const i = lines.findIndex((l) => l.startsWith('— witness-0.test '));
    const sig = Buffer.from(lines[i]!.split(' ')[2]!, 'base64');
    sig[sig.length - 1]! ^= 1;
    lines[i] = `— witness-0.test ${sig.toString('base64')}`;
    const result = verifyReceiptDocument({ ...receipt, checkpoint: lines.join('\n') }, trust);
    expect(result.valid).toBe(false);
    expect(result.failure?.code).toBe('invalid_signature');
  });

  it('checks the donor commitment of a donor receipt file', () => {
    const d = log.donations[2]!;
    const result = verifyReceiptDocument(
      { receipt: log.receipt(d.index), donor: { secret: d.secret, donationId: d.donationId } },
      trust,
    );
    expect(result.valid).toBe(true);
    expect(result.checks.at(-1)).toMatchObject({
      ok: true,
      label: `donor commitment for donation ${d.donationId}`,
    });
  });

  it('refuses a donor receipt file with the wrong secret', () => {
    const d = log.donations[2]!;
    const wrong = `${d.secret.slice(0, 63)}${d.secret.endsWith('0') ? '1' : '0'}`;
    const result = verifyReceiptDocument(
      { receipt: log.receipt(d.index), donor: { secret: wrong, donationId: d.donationId } },
      trust,
    );
    expect(result.valid).toBe(false);
    expect(result.failure?.code).toBe('donor_mismatch');
    // The log's part held: only the claim of ownership fails.
    expect(result.checks.filter((c) => !c.ok)).toHaveLength(1);
    expect(failing(result)?.detail).toMatch(/does not commit to this secret/);
  });

  it("refuses a donor's secret presented with another donation's receipt", () => {
    const d = log.donations[2]!;
    const result = verifyReceiptDocument(
      { receipt: log.receipt(3), donor: { secret: d.secret, donationId: d.donationId } },
      trust,
    );
    expect(result.failure?.code).toBe('donor_mismatch');
    expect(failing(result)?.detail).toMatch(/the receipt is for donation .*3, not .*2$/);
  });

  it.each([
    ['an array', [], /JSON object/],
    ['a stray member', { receipt: {}, extra: 1 }, /unexpected member extra/],
    ['a short secret', { receipt: {}, donor: { secret: 'abcd', donationId: 'x' } }, /64 hex/],
    ['a donor without id', { receipt: {}, donor: { secret: 'ab'.repeat(32) } }, /donor must be/],
    ['a receipt missing members', { version: 1 }, /exactly the members/],
  ])('refuses a malformed file: %s', (_, document, message) => {
    const result = verifyReceiptDocument(document, trust);
    expect(result.valid).toBe(false);
    expect(failing(result)).toMatchObject({ label: 'receipt file', detail: message });
  });

  it('computes the commitment of docs/money.md: SHA-256(secret ‖ utf8(donation id))', () => {
    // sha256(0x00 * 32 ‖ "d-1"), computed independently with node:crypto
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.alloc(32), Buffer.from('d-1', 'utf8')]))
      .digest('hex');
    expect(donorCommitment('00'.repeat(32), 'd-1')).toBe(expected);
    expect(() => donorCommitment('zz'.repeat(32), 'd-1')).toThrow(/64 hex/);
  });
});
