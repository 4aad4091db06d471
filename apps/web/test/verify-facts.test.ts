import { createHash, randomBytes } from 'node:crypto';
import {
  CompactRange,
  cosign,
  createReceipt,
  formatCheckpoint,
  generateSignerKey,
  hashEvent,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  proveInclusion,
  type Receipt,
  signNote,
} from '@goodtrace/ledger';
import { describe, expect, test } from 'vitest';
import {
  donorCommitment,
  type ShownDisbursement,
  sha256Hex,
  sha256OfFileUrl,
  type Trust,
  trustFrom,
  verifyAcknowledgementReceipt,
  verifyAllocationReceipt,
  verifyDonationReceipt,
} from '../src/verify-facts.js';

/**
 * The donor page's checks, on real receipts: a log of money events built and signed with
 * @goodtrace/ledger (a log key, two witnesses), receipts made with createReceipt, and the
 * page's verify functions judging them — valid, tampered, for another donation, wrong secret.
 */

const ORIGIN = 'test.goodtrace.example/log';
const projectId = '7a0c1c6e-0000-4000-8000-000000000001';
const orgId = '7a0c1c6e-0000-4000-8000-000000000002';
const donationId = '7a0c1c6e-0000-4000-8000-0000000000d1';
const otherDonationId = '7a0c1c6e-0000-4000-8000-0000000000d2';
const disbursementId = '7a0c1c6e-0000-4000-8000-0000000000b1';
const secret = randomBytes(32);
const secretHex = secret.toString('hex');
const commitment = createHash('sha256').update(secret).update(donationId, 'utf8').digest('hex');
const invoice = createHash('sha256').update('invoice.pdf').digest('hex');
const photo = createHash('sha256').update('photo.jpg').digest('hex');

const shown: ShownDisbursement = {
  id: disbursementId,
  projectId,
  amount: 3000,
  currency: 'CNY',
  purpose: 'Winter coats for 3 pupils',
  date: '2026-11-20',
  budgetLine: { id: 'line-1', label: 'Clothes' },
  payee: { id: 'ben-1', kind: 'supplier', region: 'Sichuan', name: 'Warm Coats Ltd' },
  evidence: [{ sha256: invoice }],
};

const events: LedgerEvent[] = [
  {
    type: 'donation.received',
    v: 1,
    at: '2026-11-19T08:00:00.000Z',
    data: {
      donationId,
      projectId,
      orgId,
      amount: 5000,
      currency: 'CNY',
      paidSeq: 1,
      donor: commitment,
    },
  },
  {
    type: 'donation.received',
    v: 1,
    at: '2026-11-19T09:00:00.000Z',
    data: {
      donationId: otherDonationId,
      projectId,
      orgId,
      amount: 2000,
      currency: 'CNY',
      paidSeq: 2,
      donor: 'ab'.repeat(32),
    },
  },
  {
    type: 'funds.disbursed',
    v: 1,
    at: '2026-11-20T10:00:00.000Z',
    data: {
      disbursementId,
      projectId,
      orgId,
      amount: 3000,
      currency: 'CNY',
      budgetLineId: 'line-1',
      budgetLine: 'Clothes',
      payee: {
        beneficiaryId: 'ben-1',
        kind: 'supplier',
        region: 'Sichuan',
        name: 'Warm Coats Ltd',
      },
      purpose: 'Winter coats for 3 pupils',
      date: '2026-11-20',
      evidence: [{ sha256: invoice, kind: 'invoice', mediaType: 'application/pdf' }],
      parts: 1,
      allocations: [{ donationId, amount: 3000 }],
    },
  },
  {
    type: 'funds.acknowledged',
    v: 1,
    at: '2026-11-21T10:00:00.000Z',
    data: { disbursementId, projectId, orgId, photo },
  },
];

function buildLog(opts: { witnesses: number; cosigners?: number }) {
  const logKey = generateSignerKey(ORIGIN);
  const witnessKeys = Array.from({ length: opts.witnesses }, (_, i) =>
    generateSignerKey(`witness-${i}.example`, { type: KEY_TYPE_COSIGNATURE_V1 }),
  );
  const store = new Map<string, Uint8Array>();
  const range = new CompactRange();
  range.append(events.map(hashEvent), (level, index, hash) => store.set(`${level}/${index}`, hash));
  const text = formatCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() });
  const cosignatures = witnessKeys
    .slice(0, opts.cosigners ?? opts.witnesses)
    .map((w) => cosign({ checkpoint: text, signerKey: w.signerKey, timestamp: 1_795_000_000 }));
  const checkpoint = signNote(text, [logKey.signerKey]) + cosignatures.join('');
  const trust: Trust = {
    logKey: logKey.verifierKey,
    origin: ORIGIN,
    witnesses: witnessKeys.map((w) => w.verifierKey),
    quorum: witnessKeys.length,
  };
  const receipt = (index: number, event = events[index]!): Receipt => ({
    ...createReceipt({
      event: events[index]!,
      leafIndex: index,
      inclusionProof: proveInclusion({
        index,
        treeSize: range.size,
        hashAt: ({ level, index: i }) => store.get(`${level}/${i}`)!,
      }) as Uint8Array[],
      checkpoint,
    }),
    event,
  });
  return { trust, receipt, logKey };
}

const log = buildLog({ witnesses: 2 });
const expectedDonation = {
  donationId,
  amount: 5000,
  currency: 'CNY',
  projectId,
  secret: secretHex,
};

function withData(event: LedgerEvent, data: LedgerEvent['data']): LedgerEvent {
  return { ...event, data: { ...event.data, ...data } };
}

describe('a donation receipt', () => {
  test('verifies: log signature, 2 of 2 witnesses, inclusion, this donation and amount, my secret', async () => {
    const fact = await verifyDonationReceipt(log.receipt(0), log.trust, expectedDonation);
    expect(fact.state).toBe('verified');
    expect(fact.checks.map((c) => [c.name, c.ok])).toEqual([
      ['logSignature', true],
      ['witnesses', true],
      ['inclusion', true],
      ['event', true],
      ['donor', true],
    ]);
    expect(fact.checks[1]!.vars).toMatchObject({ k: 2, n: 2 });
    expect(fact.checks[2]!.vars).toEqual({ index: 0, size: 4 });
    expect(fact.leafIndex).toBe(0);
    expect(fact.treeSize).toBe(4);
  });

  test('with a tampered amount fails inclusion: the event is no longer the logged leaf', async () => {
    const tampered = log.receipt(0, withData(events[0]!, { amount: 50000 }));
    const fact = await verifyDonationReceipt(tampered, log.trust, {
      ...expectedDonation,
      amount: 50000,
    });
    expect(fact.state).toBe('failed');
    expect(fact.reason).toBe('root_mismatch');
    const inclusion = fact.checks.find((c) => c.name === 'inclusion')!;
    expect(inclusion.ok).toBe(false);
    expect(fact.checks.some((c) => c.name === 'event')).toBe(false);
  });

  test('that the page shows with another amount fails the event check', async () => {
    const fact = await verifyDonationReceipt(log.receipt(0), log.trust, {
      ...expectedDonation,
      amount: 50000,
    });
    expect(fact.state).toBe('failed');
    expect(fact.reason).toBe('wrong_amount');
  });

  test('of another donation (a genuine receipt, wrong id) fails the event check', async () => {
    const fact = await verifyDonationReceipt(log.receipt(1), log.trust, expectedDonation);
    expect(fact.state).toBe('failed');
    expect(fact.reason).toBe('wrong_donation');
    expect(fact.checks.find((c) => c.name === 'inclusion')?.ok).toBe(true);
  });

  test('with a wrong secret fails the donor commitment, and a malformed one says so', async () => {
    const wrong = await verifyDonationReceipt(log.receipt(0), log.trust, {
      ...expectedDonation,
      secret: randomBytes(32).toString('hex'),
    });
    expect(wrong.state).toBe('failed');
    expect(wrong.reason).toBe('commitment_mismatch');
    expect(wrong.checks.at(-1)).toMatchObject({ name: 'donor', ok: false });
    const bad = await verifyDonationReceipt(log.receipt(0), log.trust, {
      ...expectedDonation,
      secret: 'not hex',
    });
    expect(bad.reason).toBe('bad_secret');
  });

  test('signed by another log key fails the log signature and checks nothing further', async () => {
    const other = buildLog({ witnesses: 2 });
    const fact = await verifyDonationReceipt(log.receipt(0), { ...other.trust }, expectedDonation);
    expect(fact.state).toBe('failed');
    expect(fact.checks).toHaveLength(1);
    expect(fact.checks[0]).toMatchObject({ name: 'logSignature', ok: false });
  });

  test('from another origin fails, even with the right key', async () => {
    const fact = await verifyDonationReceipt(
      log.receipt(0),
      { ...log.trust, origin: 'elsewhere.example/log' },
      expectedDonation,
    );
    expect(fact.state).toBe('failed');
    expect(fact.reason).toBe('origin_mismatch');
  });

  test('waits while witnesses have not all cosigned, and while there is no receipt yet', async () => {
    const partly = buildLog({ witnesses: 2, cosigners: 1 });
    const fact = await verifyDonationReceipt(partly.receipt(0), partly.trust, expectedDonation);
    expect(fact.state).toBe('waiting');
    expect(fact.reason).toBe('quorum_not_met');
    expect(fact.checks[1]).toMatchObject({ name: 'witnesses', ok: false, vars: { k: 1, n: 2 } });
    const none = await verifyDonationReceipt(null, log.trust, expectedDonation);
    expect(none).toMatchObject({ state: 'waiting', reason: 'no_receipt', checks: [] });
  });

  test('a malformed receipt fails instead of throwing', async () => {
    const fact = await verifyDonationReceipt({ hello: 'world' }, log.trust, expectedDonation);
    expect(fact.state).toBe('failed');
    const broken = await verifyDonationReceipt(
      { ...log.receipt(0), inclusionProof: ['%%%'] },
      log.trust,
      expectedDonation,
    );
    expect(broken.state).toBe('failed');
  });
});

describe('an allocation receipt', () => {
  const expected = { donationId, amount: 3000, disbursement: shown };

  test('verifies when the disbursement lists my donation and amount and every shown fact agrees', () => {
    const fact = verifyAllocationReceipt(log.receipt(2), log.trust, expected);
    expect(fact.state).toBe('verified');
    expect(fact.checks.map((c) => c.name)).toEqual([
      'logSignature',
      'witnesses',
      'inclusion',
      'allocation',
      'details',
    ]);
  });

  test('fails when it lists another amount for my donation, or not my donation at all', () => {
    expect(
      verifyAllocationReceipt(log.receipt(2), log.trust, { ...expected, amount: 3001 }),
    ).toMatchObject({ state: 'failed', reason: 'wrong_amount' });
    expect(
      verifyAllocationReceipt(log.receipt(2), log.trust, {
        ...expected,
        donationId: otherDonationId,
      }),
    ).toMatchObject({ state: 'failed', reason: 'allocation_missing' });
  });

  test('fails when the page shows a purpose, payee or evidence the log does not say', () => {
    const cases: [string, ShownDisbursement][] = [
      ['purpose', { ...shown, purpose: 'Something else' }],
      ['payee', { ...shown, payee: { ...shown.payee, name: 'Someone else' } }],
      ['evidence', { ...shown, evidence: [{ sha256: photo }] }],
      ['amount', { ...shown, amount: 1 }],
    ];
    for (const [field, disbursement] of cases) {
      const fact = verifyAllocationReceipt(log.receipt(2), log.trust, {
        ...expected,
        disbursement,
      });
      expect(fact.state, field).toBe('failed');
      expect(fact.reason).toBe('details_mismatch');
      expect(fact.checks.at(-1)?.vars).toEqual({ field });
    }
  });

  test('fails for another disbursement or another kind of event', () => {
    expect(
      verifyAllocationReceipt(log.receipt(2), log.trust, {
        ...expected,
        disbursement: { ...shown, id: otherDonationId },
      }),
    ).toMatchObject({ state: 'failed', reason: 'wrong_disbursement' });
    expect(verifyAllocationReceipt(log.receipt(0), log.trust, expected)).toMatchObject({
      state: 'failed',
      reason: 'wrong_event_type',
    });
  });

  test('with a tampered allocation fails inclusion', () => {
    const tampered = log.receipt(
      2,
      withData(events[2]!, { allocations: [{ donationId, amount: 4000 }] }),
    );
    const fact = verifyAllocationReceipt(tampered, log.trust, { ...expected, amount: 4000 });
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
  });
});

describe('an acknowledgement receipt', () => {
  test('verifies for this disbursement and its photo, fails for another photo or disbursement', () => {
    const receipt = log.receipt(3);
    expect(
      verifyAcknowledgementReceipt(receipt, log.trust, { disbursementId, photoSha256: photo })
        .state,
    ).toBe('verified');
    expect(
      verifyAcknowledgementReceipt(receipt, log.trust, { disbursementId, photoSha256: null }),
    ).toMatchObject({ state: 'failed', reason: 'photo_mismatch' });
    expect(
      verifyAcknowledgementReceipt(receipt, log.trust, {
        disbursementId: donationId,
        photoSha256: photo,
      }),
    ).toMatchObject({ state: 'failed', reason: 'wrong_disbursement' });
  });
});

describe('helpers', () => {
  test('the donor commitment is SHA-256(secret ‖ id) computed with crypto.subtle', async () => {
    expect(await donorCommitment(secretHex, donationId)).toBe(commitment);
    expect(await donorCommitment('zz', donationId)).toBeNull();
  });

  test('a file hash and the hash a file URL names', async () => {
    expect(await sha256Hex(new TextEncoder().encode('invoice.pdf'))).toBe(invoice);
    expect(sha256OfFileUrl(`/api/files/${photo}`)).toBe(photo);
    expect(sha256OfFileUrl('/elsewhere/x.png')).toBeNull();
    expect(sha256OfFileUrl(null)).toBeNull();
  });

  test('trust comes from /log/key and /api/log only when they name the same key', () => {
    const info = { origin: ORIGIN, verifierKey: log.trust.logKey, witnesses: [] };
    expect(trustFrom(`${log.trust.logKey}\n`, info)).toEqual({
      logKey: log.trust.logKey,
      origin: ORIGIN,
      witnesses: [],
      quorum: 0,
    });
    expect(trustFrom(buildLog({ witnesses: 0 }).trust.logKey, info)).toEqual({
      error: 'key_mismatch',
    });
  });

  test("the quorum is the server's k of n; all of them when it names none or too many", () => {
    const witnesses = log.trust.witnesses.map((verifierKey) => ({ verifierKey }));
    const info = { origin: ORIGIN, verifierKey: log.trust.logKey, witnesses };
    const quorum = (q?: number) => {
      const trust = trustFrom(log.trust.logKey, q === undefined ? info : { ...info, quorum: q });
      return 'quorum' in trust ? trust.quorum : trust;
    };
    expect(quorum(1)).toBe(1);
    expect(quorum(0)).toBe(0);
    expect(quorum()).toBe(2);
    expect(quorum(3)).toBe(2);
  });
});
