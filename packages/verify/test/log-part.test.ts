import {
  CompactRange,
  cosign,
  createReceipt,
  formatCheckpoint,
  generateSignerKey,
  hashEvent,
  type LedgerEvent,
  type Receipt,
  signNote,
} from '@goodtrace/ledger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Check,
  type FactResult,
  isVerifyError,
  parseTrust,
  verifyEntry,
  verifyLogPart,
} from '../src/index.js';
import { at, events, makeLog, ORIGIN, withData, withoutCosignature } from './fixtures.js';

/**
 * A receipt's log part — the log's signature, the origin, k of n witness cosignatures, the
 * inclusion — on receipts of a real signed log, and every attack on it named after what it is.
 */

const log = makeLog();
const names = (r: { checks: Check[] }) => r.checks.map((c) => [c.name, c.ok]);
const failing = (r: { checks: Check[] }) => r.checks.find((c) => !c.ok);

describe("a genuine receipt's log part", () => {
  it('lists the log signature, the origin, k of n witnesses and the inclusion, in that order', () => {
    const part = verifyLogPart(log.receipt(at.donation), log.trust);
    expect(names(part)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', true],
    ]);
    expect(part.checks[0]!.vars).toEqual({
      key: ORIGIN,
      keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect(part.checks[1]!.vars).toEqual({ origin: ORIGIN });
    expect(part.checks[2]!.vars).toEqual({
      k: 3,
      n: 3,
      quorum: 3,
      names: 'witness-0.test, witness-1.test, witness-2.test',
    });
    expect(part.checks[3]!.vars).toMatchObject({ index: 0, size: 5 });
    expect(part.entry?.event).toEqual(events[at.donation]);
    expect(verifyEntry(log.receipt(at.donation), log.trust).state).toBe('verified');
  });

  it('is the same as JSON text, and without an origin it has no origin check', () => {
    const text = JSON.stringify(log.receipt(at.other));
    expect(verifyEntry(text, log.trust).state).toBe('verified');
    const { origin: _, ...noOrigin } = log.trust;
    expect(names(verifyLogPart(log.receipt(at.other), noOrigin))).toEqual([
      ['logSignature', true],
      ['witnesses', true],
      ['inclusion', true],
    ]);
  });

  it('with no witness trusted, the log signature alone will do', () => {
    const trust = parseTrust({ logKey: log.logKey.verifierKey, witnesses: [], origin: ORIGIN });
    const part = verifyLogPart(log.receipt(at.other), trust);
    expect(part.checks[2]).toMatchObject({ name: 'witnesses', ok: true, vars: { k: 0, n: 0 } });
  });
});

describe('attacks on the log part', () => {
  it('wrong key: a receipt checked against another log key fails the log signature and nothing further is checked', () => {
    const trust = {
      ...log.trust,
      logKey: parseTrust({ logKey: generateSignerKey(ORIGIN).verifierKey, witnesses: [] }).logKey,
    };
    const fact = verifyEntry(log.receipt(at.donation), trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'log_signature_missing' });
    expect(names(fact)).toEqual([['logSignature', false]]);
    expect(fact.entry).toBeUndefined();
  });

  it('impostor log: a checkpoint of the same origin signed by another key is not the log', () => {
    const impostor = generateSignerKey(ORIGIN);
    const receipt = {
      ...log.receipt(at.donation),
      checkpoint: signNote(log.text, [impostor.signerKey]),
    };
    expect(verifyEntry(receipt, log.trust)).toMatchObject({
      state: 'failed',
      reason: 'log_signature_missing',
    });
  });

  it("wrong origin: the log's own key over another log's checkpoint fails the origin", () => {
    const fact = verifyEntry(log.receipt(at.donation), { ...log.trust, origin: 'other.test/log' });
    expect(fact).toMatchObject({ state: 'failed', reason: 'origin_mismatch' });
    expect(names(fact)).toEqual([
      ['logSignature', true],
      ['origin', false],
    ]);
    expect(failing(fact)?.vars).toEqual({ origin: 'other.test/log', found: ORIGIN });
  });

  it('forged cosignature: a trusted witness line that does not verify fails the witnesses and names the witness', () => {
    const receipt = log.receipt(at.donation);
    const lines = receipt.checkpoint.split('\n');
    const i = lines.findIndex((l) => l.startsWith('— witness-1.test '));
    const sig = Buffer.from(lines[i]!.split(' ')[2]!, 'base64');
    sig[sig.length - 1]! ^= 1;
    lines[i] = `— witness-1.test ${sig.toString('base64')}`;
    const fact = verifyEntry({ ...receipt, checkpoint: lines.join('\n') }, log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'invalid_signature' });
    expect(names(fact)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', false],
    ]);
    expect(failing(fact)?.vars).toMatchObject({ witness: 'witness-1.test' });
  });

  it("replayed cosignature: a witness's genuine line over another checkpoint does not count, it fails", () => {
    const other = formatCheckpoint({ origin: ORIGIN, size: 4, rootHash: new Uint8Array(32) });
    const line = cosign({
      checkpoint: other,
      signerKey: log.witnessKeys[2]!.signerKey,
      timestamp: 1_795_000_000,
    });
    const receipt = withoutCosignature(log.receipt(at.donation), 'witness-2.test');
    const fact = verifyEntry({ ...receipt, checkpoint: receipt.checkpoint + line }, log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'invalid_signature' });
    expect(failing(fact)?.vars).toMatchObject({ witness: 'witness-2.test' });
  });

  it('one witness counted twice: its line repeated is refused, not counted as two', () => {
    const receipt = withoutCosignature(log.receipt(at.donation), 'witness-2.test');
    const line = receipt.checkpoint.split('\n').find((l) => l.startsWith('— witness-0.test '))!;
    const fact = verifyEntry(
      { ...receipt, checkpoint: `${receipt.checkpoint}${line}\n` },
      log.trust,
    );
    expect(fact).toMatchObject({ state: 'failed', reason: 'duplicate_signature' });
  });

  it('too few cosignatures: the fact waits (nothing failed), and verifies under a quorum it meets', () => {
    const receipt = log.receipt(at.donation, { cosigners: 2 });
    const fact = verifyEntry(receipt, log.trust);
    expect(fact).toMatchObject({ state: 'waiting', reason: 'quorum_not_met' });
    expect(names(fact)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', false],
      ['inclusion', true],
    ]);
    expect(fact.checks[2]!.vars).toMatchObject({ k: 2, n: 3, quorum: 3 });
    expect(verifyEntry(receipt, { ...log.trust, quorum: 2 }).state).toBe('verified');
  });

  it('stolen log key: a fabricated event in a tree the log key signed, with no witness, is never verified', () => {
    const fake: LedgerEvent = withData(events[at.donation]!, { amount: 500_000 });
    const range = new CompactRange();
    range.append([hashEvent(fake)]);
    const text = formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: range.root() });
    const receipt = createReceipt({
      event: fake,
      leafIndex: 0,
      inclusionProof: [],
      checkpoint: signNote(text, [log.logKey.signerKey]),
    });
    const fact = verifyEntry(receipt, log.trust);
    expect(fact.state).toBe('waiting');
    expect(fact.reason).toBe('quorum_not_met');
  });

  it('amount changed: the event no longer hashes to the proven leaf, so inclusion fails', () => {
    const event = withData(events[at.donation]!, { amount: 50_000 });
    const fact = verifyEntry(log.receipt(at.donation, { event }), log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
    // The checkpoint is still genuine: only the event does not belong to it.
    expect(names(fact)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', false],
    ]);
    expect(failing(fact)?.vars).toEqual({ index: 0, size: 5 });
    expect(failing(fact)?.message).toMatch(/does not lead to the checkpoint root/);
  });

  it('amount changed in the JSON text of a receipt: the same check fails', () => {
    const event = withData(events[at.donation]!, { amount: 50_000 });
    const fact = verifyEntry(JSON.stringify(log.receipt(at.donation, { event })), log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
    expect(failing(fact)).toMatchObject({ name: 'inclusion', vars: { index: 0, size: 5 } });
  });

  it('moved: a genuine event claimed at another leaf index fails inclusion', () => {
    const fact = verifyEntry({ ...log.receipt(at.other), leafIndex: at.donation }, log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
  });

  it("another donor's event with this receipt's proof fails inclusion", () => {
    const fact = verifyEntry(log.receipt(at.donation, { event: events[at.other] }), log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
  });

  it('proof for another tree size: a proof in an earlier tree shown with a later checkpoint fails', () => {
    const fact = verifyEntry(log.receipt(at.donation, { treeSize: 3 }), log.trust);
    expect(fact).toMatchObject({ state: 'failed', reason: 'tree_size_mismatch' });
    expect(failing(fact)).toMatchObject({ name: 'inclusion', vars: { index: 0, size: 3 } });
  });

  it('a proof with a hash left out, a leaf beyond the tree, a proof hash not in canonical base64', () => {
    const r = log.receipt(at.donation);
    const cases: [string, unknown][] = [
      ['proof_wrong_length', { ...r, inclusionProof: r.inclusionProof.slice(1) }],
      ['index_out_of_range', { ...r, leafIndex: 99 }],
      ['invalid_base64', { ...r, inclusionProof: ['%%%', ...r.inclusionProof.slice(1)] }],
    ];
    for (const [reason, receipt] of cases) {
      const fact = verifyEntry(receipt, log.trust);
      expect(fact, reason).toMatchObject({ state: 'failed', reason });
      expect(failing(fact)?.name, reason).toBe('inclusion');
    }
  });

  it('a receipt of the wrong shape fails its receipt check and never throws', () => {
    const r = log.receipt(at.donation);
    const hostile = {};
    Object.defineProperty(hostile, 'checkpoint', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const cases: [unknown, string][] = [
      [{ hello: 'world' }, 'malformed_receipt'],
      [[], 'malformed_receipt'],
      ['not json', 'malformed_receipt'],
      [42, 'malformed_receipt'],
      [{ ...r, extra: 1 }, 'malformed_receipt'],
      [{ ...r, version: 2 }, 'malformed_receipt'],
      [{ ...r, treeSize: 2 ** 53 }, 'size_out_of_range'],
      [{ ...r, event: { ...r.event, at: 'yesterday' } }, 'invalid_json'],
      [hostile, 'malformed_receipt'],
    ];
    for (const [receipt, reason] of cases) {
      const fact = verifyEntry(receipt, log.trust);
      expect(fact, reason).toMatchObject({ state: 'failed', reason });
      expect(names(fact)).toEqual([['receipt', false]]);
    }
  });

  it('a trust that parseTrust would refuse is the caller’s error, not a failed receipt', () => {
    const trust = { ...log.trust, witnesses: [log.trust.logKey], quorum: 0 };
    expect(() => verifyLogPart(log.receipt(at.donation), trust)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    try {
      verifyLogPart(log.receipt(at.donation), trust);
    } catch (e) {
      expect(isVerifyError(e)).toBe(true);
    }
  });
});

describe('any change to a genuine receipt', () => {
  /** Every path to a leaf value of a JSON value. */
  function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== 'object' || value === null) return [path];
    return Object.entries(value).flatMap(([k, v]) =>
      leaves(v, [...path, Array.isArray(value) ? Number(k) : k]),
    );
  }
  const genuine = log.receipt(at.disbursed);
  const paths = leaves(genuine);

  it('is never verified, and never throws', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.jsonValue(), fc.string(), fc.integer()),
        (path, value) => {
          const receipt = structuredClone(genuine) as unknown as Record<string | number, unknown>;
          let node = receipt;
          for (const k of path.slice(0, -1)) node = node[k] as typeof node;
          const last = path.at(-1)!;
          if (JSON.stringify(node[last]) === JSON.stringify(value)) return;
          node[last] = value;
          const fact: FactResult = verifyEntry(receipt as unknown as Receipt, log.trust);
          expect(fact.state).not.toBe('verified');
        },
      ),
      { numRuns: 300 },
    );
  });
});
