import {
  CHECK_NAMES,
  type Check,
  FACT_REASONS,
  type FactResult,
  parseTrust,
  verifyReceiptFile,
} from '@goodtrace/verify';
import { describe, expect, it } from 'vitest';
import { checkLines, eventLine, verdictLine } from '../src/verify-receipt.js';
import { makeLog, ORIGIN, withoutCosignature } from './fixtures.js';

/**
 * The English lines of `goodtrace verify`: @goodtrace/verify decides (its tests attack it), and
 * these say each check, each reason and the verdict in words a person reads.
 */

const log = makeLog();
const trust = parseTrust({
  logKey: log.logKey.verifierKey,
  witnesses: log.witnessKeys.map((w) => w.verifierKey),
  origin: ORIGIN,
});

describe('the lines of goodtrace verify', () => {
  it('say every check made on a genuine receipt, in order, then what the event says', () => {
    const result = verifyReceiptFile(log.receipt(1), trust);
    expect(checkLines(result)).toEqual([
      expect.stringMatching(new RegExp(`^✓ log signature by ${ORIGIN}: key ID [0-9a-f]{8}$`)),
      `✓ checkpoint origin ${ORIGIN}`,
      '✓ 3 of 3 witness cosignatures: quorum 3: witness-0.test, witness-1.test, witness-2.test',
      expect.stringMatching(/^✓ inclusion of leaf 1 in tree 5: leaf hash \S+, root \S+$/),
    ]);
    expect(eventLine(result)).toBe(
      '  event donation.received (v1) at 2026-11-26T09:01:00Z, ¥1,284.56, ' +
        `donationId ${log.donations[1]!.donationId}, projectId p-1, orgId o-1`,
    );
    expect(verdictLine(result)).toBe('VALID');
  });

  it("say a donor's checks: the donation's event and amount, and the commitment", () => {
    const d = log.donations[2]!;
    const result = verifyReceiptFile(
      { receipt: log.receipt(d.index), donor: { secret: d.secret, donationId: d.donationId } },
      trust,
    );
    expect(checkLines(result).slice(4)).toEqual([
      `✓ donation.received for donation ${d.donationId}: ¥2,519.12`,
      `✓ donor commitment for donation ${d.donationId}: SHA-256(secret ‖ donation id) matches the logged donor`,
    ]);
  });

  it("give the ledger's words and what they mean when the log part fails", () => {
    const receipt = log.receipt(2);
    (receipt.event.data as { amount: number }).amount += 1;
    const result = verifyReceiptFile(receipt, trust);
    expect(checkLines(result).at(-1)).toBe(
      '✗ inclusion of leaf 2 in tree 5: the inclusion proof does not lead to the checkpoint root ' +
        '(the event or the proof was altered, or the receipt is from another log)',
    );
    expect(eventLine(result)).toBeUndefined();
    expect(verdictLine(result)).toBe('INVALID');
  });

  it('say a checkpoint not yet cosigned by the quorum is not valid yet, rather than forged', () => {
    const result = verifyReceiptFile(withoutCosignature(log.receipt(3), 'witness-1.test'), trust);
    expect(checkLines(result)[2]).toBe(
      '✗ 2 of 3 witness cosignatures: 2 of the required 3 witness cosignatures verified ' +
        '(not final yet: fewer witnesses than the quorum have cosigned)',
    );
    expect(verdictLine(result)).toMatch(/^NOT YET VALID: fewer witnesses than the quorum/);
  });

  it('have words for every check and every reason of the package, never a bare code', () => {
    for (const name of CHECK_NAMES) {
      for (const reason of FACT_REASONS) {
        const check: Check = {
          name,
          ok: false,
          reason,
          vars: {
            ...{ key: ORIGIN, origin: ORIGIN, k: 1, n: 2, quorum: 2, index: 0, size: 1 },
            ...{ donationId: 'd-1', amount: 100, field: 'purpose' },
          },
        };
        const result: FactResult = { state: 'failed', reason, checks: [check] };
        const [line] = checkLines(result);
        expect(line, `${name} ${reason}`).toMatch(/^✗ \S.*: \S/);
        expect(line).not.toContain(reason);
        expect(line).not.toContain('undefined');
      }
    }
  });
});
