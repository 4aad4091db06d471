import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Check,
  failTrace,
  type ShownDisbursement,
  sha256OfFileUrl,
  verifyAcknowledgement,
  verifyAllocation,
  verifyDonation,
  verifyTrace,
} from '../src/index.js';
import {
  at,
  disbursementId,
  donationId,
  events,
  makeLog,
  otherDonationId,
  photo,
  projectId,
  secret,
  shown,
  traceOf,
  withData,
} from './fixtures.js';

/**
 * The facts a donor is shown, each checked against the event its receipt proves is on the log:
 * their donation, the part of it a disbursement used, the beneficiary's confirmation, and what
 * is left.
 */

const log = makeLog();
const names = (r: { checks: Check[] }) => r.checks.map((c) => c.name);
const mine = { donationId, amount: 5000, currency: 'CNY', projectId, secret };

describe('my donation', () => {
  it('is verified: log signature, origin, witnesses, inclusion, this donation and amount, my secret', () => {
    const fact = verifyDonation(log.receipt(at.donation), log.trust, mine);
    expect(fact.state).toBe('verified');
    expect(names(fact)).toEqual([
      'logSignature',
      'origin',
      'witnesses',
      'inclusion',
      'event',
      'donor',
    ]);
    expect(fact.checks[4]!.vars).toEqual({ donationId, amount: 5000, currency: 'CNY' });
    expect(fact.entry?.leafIndex).toBe(0);
  });

  it('amount changed on the page: a genuine receipt that says another amount fails the event check', () => {
    const fact = verifyDonation(log.receipt(at.donation), log.trust, { ...mine, amount: 50_000 });
    expect(fact).toMatchObject({ state: 'failed', reason: 'wrong_amount' });
    expect(fact.checks.find((c) => c.name === 'inclusion')?.ok).toBe(true);
  });

  it('amount changed in the receipt: the event is no longer the logged leaf, the facts are not read', () => {
    const event = withData(events[at.donation]!, { amount: 50_000 });
    const fact = verifyDonation(log.receipt(at.donation, { event }), log.trust, {
      ...mine,
      amount: 50_000,
    });
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
    expect(names(fact)).not.toContain('event');
  });

  it('a receipt for another donation (genuine, of another donor) fails the event check', () => {
    const fact = verifyDonation(log.receipt(at.other), log.trust, mine);
    expect(fact).toMatchObject({ state: 'failed', reason: 'wrong_donation' });
  });

  it('another currency, another project, another kind of event each fail the event check', () => {
    const r = log.receipt(at.donation);
    expect(verifyDonation(r, log.trust, { ...mine, currency: 'USD' }).reason).toBe(
      'wrong_currency',
    );
    expect(verifyDonation(r, log.trust, { ...mine, projectId: 'p-2' }).reason).toBe(
      'wrong_project',
    );
    expect(verifyDonation(log.receipt(at.disbursed), log.trust, mine).reason).toBe(
      'wrong_event_type',
    );
  });

  it('with only the id, the label carries the logged amount the proof vouches for', () => {
    const fact = verifyDonation(log.receipt(at.donation), log.trust, { donationId });
    expect(fact.state).toBe('verified');
    expect(names(fact).at(-1)).toBe('event');
    expect(fact.checks.at(-1)!.vars).toEqual({ donationId, amount: 5000, currency: 'CNY' });
  });

  it('with a wrong secret fails the donor commitment; a malformed secret says so', () => {
    const wrong = verifyDonation(log.receipt(at.donation), log.trust, {
      ...mine,
      secret: randomBytes(32).toString('hex'),
    });
    expect(wrong).toMatchObject({ state: 'failed', reason: 'commitment_mismatch' });
    expect(wrong.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['donor']);
    const bad = verifyDonation(log.receipt(at.donation), log.trust, { ...mine, secret: 'not hex' });
    expect(bad).toMatchObject({ state: 'failed', reason: 'bad_secret' });
  });

  it('waits while there is no receipt yet, or too few witnesses have cosigned', () => {
    expect(verifyDonation(null, log.trust, mine)).toEqual({
      state: 'waiting',
      reason: 'no_receipt',
      checks: [],
    });
    const partly = verifyDonation(log.receipt(at.donation, { cosigners: 1 }), log.trust, mine);
    expect(partly).toMatchObject({ state: 'waiting', reason: 'quorum_not_met' });
    expect(partly.checks.at(-1)).toMatchObject({ name: 'donor', ok: true });
  });

  it('fails at once when the log contradicts it, even while witnesses are missing', () => {
    const fact = verifyDonation(log.receipt(at.donation, { cosigners: 1 }), log.trust, {
      ...mine,
      amount: 1,
    });
    expect(fact).toMatchObject({ state: 'failed', reason: 'wrong_amount' });
  });
});

describe('part of my donation paid for a disbursement', () => {
  const expected = { donationId, amount: 1000, disbursement: shown };

  it('is verified when the disbursement lists my donation and amount, and every shown detail agrees', () => {
    const fact = verifyAllocation(log.receipt(at.disbursed), log.trust, expected);
    expect(fact.state).toBe('verified');
    expect(names(fact).slice(4)).toEqual(['allocation', 'details']);
  });

  it('in a continuation (funds.allocated), only the allocation is there to check', () => {
    const fact = verifyAllocation(log.receipt(at.allocated), log.trust, {
      ...expected,
      amount: 2000,
    });
    expect(fact.state).toBe('verified');
    expect(names(fact).slice(4)).toEqual(['allocation']);
  });

  it('fails when it lists another amount for my donation, or not my donation at all', () => {
    const r = log.receipt(at.disbursed);
    expect(verifyAllocation(r, log.trust, { ...expected, amount: 1001 }).reason).toBe(
      'wrong_amount',
    );
    expect(
      verifyAllocation(r, log.trust, { ...expected, donationId: otherDonationId }).reason,
    ).toBe('allocation_missing');
  });

  it('fails when the page shows a purpose, payee, amount, date, budget line or evidence the log does not say', () => {
    const cases: [string, ShownDisbursement][] = [
      ['purpose', { ...shown, purpose: 'Something else' }],
      ['payee', { ...shown, payee: { ...shown.payee, name: 'Someone else' } }],
      ['evidence', { ...shown, evidence: [{ sha256: photo }] }],
      ['evidence', { ...shown, evidence: [] }],
      ['amount', { ...shown, amount: 1 }],
      ['date', { ...shown, date: '2026-11-21' }],
      ['budgetLine', { ...shown, budgetLine: { id: 'line-1', label: 'Food' } }],
    ];
    for (const [field, disbursement] of cases) {
      const fact = verifyAllocation(log.receipt(at.disbursed), log.trust, {
        ...expected,
        disbursement,
      });
      expect(fact, field).toMatchObject({ state: 'failed', reason: 'details_mismatch' });
      expect(fact.checks.at(-1)?.vars).toEqual({ field });
    }
  });

  it('fails for another disbursement, or another kind of event', () => {
    expect(
      verifyAllocation(log.receipt(at.disbursed), log.trust, {
        ...expected,
        disbursement: { ...shown, id: otherDonationId },
      }).reason,
    ).toBe('wrong_disbursement');
    expect(verifyAllocation(log.receipt(at.donation), log.trust, expected).reason).toBe(
      'wrong_event_type',
    );
  });

  it('with an allocation changed in the receipt fails inclusion', () => {
    const event = withData(events[at.disbursed]!, { allocations: [{ donationId, amount: 4000 }] });
    const fact = verifyAllocation(log.receipt(at.disbursed, { event }), log.trust, {
      ...expected,
      amount: 4000,
    });
    expect(fact).toMatchObject({ state: 'failed', reason: 'root_mismatch' });
  });
});

describe("the beneficiary's confirmation", () => {
  it('is verified for this disbursement and its photo; fails for another photo or disbursement', () => {
    const r = log.receipt(at.acknowledged);
    expect(verifyAcknowledgement(r, log.trust, { disbursementId, photoSha256: photo }).state).toBe(
      'verified',
    );
    expect(verifyAcknowledgement(r, log.trust, { disbursementId, photoSha256: null }).reason).toBe(
      'photo_mismatch',
    );
    expect(
      verifyAcknowledgement(r, log.trust, { disbursementId: donationId, photoSha256: photo })
        .reason,
    ).toBe('wrong_disbursement');
    expect(
      verifyAcknowledgement(log.receipt(at.disbursed), log.trust, {
        disbursementId,
        photoSha256: photo,
      }).reason,
    ).toBe('wrong_event_type');
  });

  it('reads the photo hash from its file URL only', () => {
    expect(sha256OfFileUrl(`/api/files/${photo}`)).toBe(photo);
    expect(sha256OfFileUrl(`https://elsewhere.test/api/files/${photo}`)).toBe(photo);
    expect(sha256OfFileUrl('/elsewhere/x.png')).toBeNull();
    expect(sha256OfFileUrl(null)).toBeNull();
  });
});

describe('an event of a version this package was not taught to read', () => {
  it('fails each fact as another kind of event would, though the receipt itself holds', () => {
    const later = makeLog({ events: events.map((e) => ({ ...structuredClone(e), v: 2 })) });
    const facts = [
      verifyDonation(later.receipt(at.donation), later.trust, mine),
      verifyAllocation(later.receipt(at.disbursed), later.trust, {
        donationId,
        amount: 1000,
        disbursement: shown,
      }),
      verifyAcknowledgement(later.receipt(at.acknowledged), later.trust, {
        disbursementId,
        photoSha256: photo,
      }),
    ];
    for (const fact of facts) {
      expect(fact).toMatchObject({ state: 'failed', reason: 'wrong_event_type' });
      expect(fact.checks.find((c) => c.name === 'inclusion')?.ok).toBe(true);
    }
  });
});

describe("a donor's whole trace", () => {
  it('verifies every fact, and what is left is the logged donation less the logged allocations', () => {
    const facts = verifyTrace(traceOf(log), log.trust);
    expect(facts.donation.state).toBe('verified');
    expect(facts.allocations.map((a) => [a.allocation.state, a.acknowledgement?.state])).toEqual([
      ['verified', 'verified'],
    ]);
    expect(facts.unspent).toMatchObject({
      state: 'verified',
      checks: [
        { name: 'unspent', ok: true, vars: { donated: 5000, allocated: 1000, amount: 4000 } },
      ],
    });
  });

  it('fails what is left when the page says another amount', () => {
    const facts = verifyTrace({ ...traceOf(log), unspent: 5000 }, log.trust);
    expect(facts.unspent).toMatchObject({ state: 'failed', reason: 'sum_mismatch' });
  });

  it('fails what is left when a part fails, and waits while a part waits', () => {
    const trace = traceOf(log);
    const failed = verifyTrace(
      { ...trace, donation: { ...trace.donation, amount: 6000 } },
      log.trust,
    );
    expect(failed.donation.reason).toBe('wrong_amount');
    expect(failed.unspent).toMatchObject({ state: 'failed', reason: 'unverified_part' });
    const waiting = verifyTrace(
      { ...trace, donation: { ...trace.donation, receipt: null } },
      log.trust,
    );
    expect(waiting.unspent).toMatchObject({ state: 'waiting', reason: 'no_receipt' });
  });

  it('fails every fact for one reason when no trust could be set', () => {
    const facts = failTrace(traceOf(log), 'key_mismatch');
    expect(facts.donation).toEqual({ state: 'failed', reason: 'key_mismatch', checks: [] });
    expect(facts.allocations[0]!.acknowledgement?.reason).toBe('key_mismatch');
    expect(facts.unspent.reason).toBe('key_mismatch');
  });
});
