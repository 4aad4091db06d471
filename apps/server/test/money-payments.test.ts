import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSandboxCallback } from '../src/payments/sandbox.js';
import { Client, errorCode, startTestApp, type TestApp, testSandboxSecret } from './support/app.js';
import {
  expectBooksAgree,
  moneySnapshot,
  providerCallback,
  publishedProject,
  startGuestDonation,
} from './support/money.js';

/**
 * The payment provider's callbacks and the donation's Idempotency-Key: only a verified,
 * matching, first `payment.succeeded` credits a project; replays, reorderings, forgeries and
 * mismatches change nothing; a retried request never opens a second donation or payment.
 */

// 31 January: the monthly schedule's next charge is the last day of February.
const NOW = new Date('2026-01-31T09:00:00.000Z');
let t: TestApp;
let projectId: string;
beforeAll(async () => {
  t = await startTestApp({ clock: () => NOW });
  projectId = (await publishedProject(t)).project.id;
});
afterAll(async () => {
  await t.close();
});

async function donationRow(id: string) {
  return t.database.db
    .selectFrom('donations')
    .select(['status', 'paid_seq', 'provider_ref', 'recurring_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function paymentEvents() {
  const { n } = await t.database.db
    .selectFrom('payment_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

function post(signed: { body: string; headers: Record<string, string> }) {
  return t.app.inject({
    method: 'POST',
    url: '/api/payments/webhooks/sandbox',
    payload: signed.body,
    headers: signed.headers,
  });
}

const outcome = (res: { json(): unknown }) => (res.json() as { outcome?: string }).outcome;

describe('payment callbacks', () => {
  it('a replayed callback (same event id) is answered but changes nothing', async () => {
    const { donation } = await startGuestDonation(t, projectId, 5000);
    const { provider_ref } = await donationRow(donation.id);
    const signed = signSandboxCallback(
      testSandboxSecret,
      {
        eventId: `evt_${randomUUID()}`,
        kind: 'payment.succeeded',
        providerRef: provider_ref!,
        donationId: donation.id,
        amount: 5000,
        currency: 'CNY',
      },
      NOW,
    );
    const first = await post(signed);
    expect([first.statusCode, outcome(first)]).toEqual([200, 'credited']);
    const before = await moneySnapshot(t);
    const events = await paymentEvents();

    // The same bytes again, and the same event re-signed later: both are the one event.
    const replay = await post(signed);
    expect([replay.statusCode, outcome(replay)]).toEqual([200, 'duplicate']);
    const resigned = await providerCallback(t, 'payment.succeeded', donation.id, {
      eventId: JSON.parse(signed.body).id,
    });
    expect([resigned.statusCode, outcome(resigned)]).toEqual([200, 'duplicate']);
    expect(await moneySnapshot(t)).toEqual(before);
    expect(await paymentEvents()).toBe(events);
    await expectBooksAgree(t);
  });

  it('a second success notice with a new event id does not credit twice', async () => {
    const { donation } = await startGuestDonation(t, projectId, 1200);
    expect(outcome(await providerCallback(t, 'payment.succeeded', donation.id))).toBe('credited');
    const paidSeq = (await donationRow(donation.id)).paid_seq;
    const before = await moneySnapshot(t);
    const again = await providerCallback(t, 'payment.succeeded', donation.id);
    expect([again.statusCode, outcome(again)]).toEqual([200, 'not_pending']);
    expect(await moneySnapshot(t)).toEqual(before);
    expect((await donationRow(donation.id)).paid_seq).toBe(paidSeq);
  });

  it('a failure delivered after the success (out of order) changes nothing', async () => {
    const { donation } = await startGuestDonation(t, projectId, 3000);
    expect(outcome(await providerCallback(t, 'payment.succeeded', donation.id))).toBe('credited');
    const before = await moneySnapshot(t);
    const late = await providerCallback(t, 'payment.failed', donation.id);
    expect([late.statusCode, outcome(late)]).toEqual([200, 'not_pending']);
    expect((await donationRow(donation.id)).status).toBe('paid');
    expect(await moneySnapshot(t)).toEqual(before);
    await expectBooksAgree(t);
  });

  it('a success delivered after a failure (out of order, or a retry that went through) still credits: the money was taken', async () => {
    const { donation } = await startGuestDonation(t, projectId, 800);
    expect(outcome(await providerCallback(t, 'payment.failed', donation.id))).toBe('failed');
    expect((await donationRow(donation.id)).status).toBe('failed');
    const late = await providerCallback(t, 'payment.succeeded', donation.id);
    expect(outcome(late)).toBe('credited');
    expect((await donationRow(donation.id)).status).toBe('paid');
    // And a failure notice after that changes nothing.
    const before = await moneySnapshot(t);
    expect(outcome(await providerCallback(t, 'payment.failed', donation.id))).toBe('not_pending');
    expect(await moneySnapshot(t)).toEqual(before);
    await expectBooksAgree(t);
  });

  it.each([
    ['signed with another secret', { secret: 'not-the-provider-secret-0123456789abcdef' }],
    [
      'signed ten minutes ago (outside the 5-minute window)',
      { at: new Date(NOW.getTime() - 600_000) },
    ],
    ['signed ten minutes ahead', { at: new Date(NOW.getTime() + 600_000) }],
  ])(
    'a callback %s is refused with payment_signature_invalid and changes nothing',
    async (_name, forgery) => {
      const { donation } = await startGuestDonation(t, projectId, 2500);
      const before = await moneySnapshot(t);
      const events = await paymentEvents();
      const res = await providerCallback(t, 'payment.succeeded', donation.id, forgery);
      expect([res.statusCode, errorCode(res)]).toEqual([400, 'payment_signature_invalid']);
      expect((await donationRow(donation.id)).status).toBe('pending');
      expect(await moneySnapshot(t)).toEqual(before);
      expect(await paymentEvents()).toBe(events);
    },
  );

  it('a tampered body or a missing signature is refused and changes nothing', async () => {
    const { donation } = await startGuestDonation(t, projectId, 2500);
    const { provider_ref } = await donationRow(donation.id);
    const signed = signSandboxCallback(
      testSandboxSecret,
      {
        kind: 'payment.succeeded',
        providerRef: provider_ref!,
        donationId: donation.id,
        amount: 2500,
        currency: 'CNY',
      },
      NOW,
    );
    const before = await moneySnapshot(t);
    const events = await paymentEvents();
    const tampered = await post({ ...signed, body: signed.body.replace('2500', '2501') });
    expect([tampered.statusCode, errorCode(tampered)]).toEqual([400, 'payment_signature_invalid']);
    const unsigned = await post({
      body: signed.body,
      headers: { 'content-type': 'application/json' },
    });
    expect([unsigned.statusCode, errorCode(unsigned)]).toEqual([400, 'payment_signature_invalid']);
    expect(await moneySnapshot(t)).toEqual(before);
    expect(await paymentEvents()).toBe(events);
    // The genuine callback still works afterwards.
    expect(outcome(await post(signed))).toBe('credited');
  });

  it.each([
    ['a smaller amount', { amount: 4999 }],
    ['a larger amount', { amount: 5001 }],
    ['another currency', { currency: 'USD' }],
  ])('a success notice for %s does not credit', async (_name, mismatch) => {
    const { donation } = await startGuestDonation(t, projectId, 5000);
    const before = await moneySnapshot(t);
    const res = await providerCallback(t, 'payment.succeeded', donation.id, mismatch);
    expect([res.statusCode, outcome(res)]).toEqual([200, 'amount_mismatch']);
    expect((await donationRow(donation.id)).status).toBe('pending');
    expect(await moneySnapshot(t)).toEqual(before);
    // The right notice, when it comes, credits the donation once.
    expect(outcome(await providerCallback(t, 'payment.succeeded', donation.id))).toBe('credited');
    await expectBooksAgree(t);
  });

  it('a callback for an unknown donation, or naming another donation’s payment, changes nothing', async () => {
    const a = await startGuestDonation(t, projectId, 1000);
    const b = await startGuestDonation(t, projectId, 1000);
    const before = await moneySnapshot(t);
    const unknown = await providerCallback(t, 'payment.succeeded', a.donation.id, {
      donationId: randomUUID(),
      providerRef: 'sbx_0000000000000000',
    });
    expect([unknown.statusCode, outcome(unknown)]).toEqual([200, 'unknown_donation']);
    const { provider_ref: refOfB } = await donationRow(b.donation.id);
    const crossed = await providerCallback(t, 'payment.succeeded', a.donation.id, {
      providerRef: refOfB!,
    });
    expect(outcome(crossed)).toBe('unknown_donation');
    expect(await moneySnapshot(t)).toEqual(before);
    expect((await donationRow(a.donation.id)).status).toBe('pending');
    expect((await donationRow(b.donation.id)).status).toBe('pending');
  });

  it('a callback to a provider that is not configured is not found', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/payments/webhooks/stripe',
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'not_found']);
  });
});

describe('the Idempotency-Key of a donation', () => {
  const body = { amount: 6600, currency: 'CNY', email: 'retry@example.org' };
  const start = (key: string | undefined, b: object = body) =>
    new Client(t.app).request(
      'POST',
      `/api/projects/${projectId}/donations`,
      b,
      key === undefined ? {} : { 'idempotency-key': key },
    );

  it('the same key with the same body answers 200 with the same donation and the same payment', async () => {
    const key = randomUUID();
    const first = await start(key);
    expect(first.statusCode, first.body).toBe(201);
    const before = await moneySnapshot(t);
    const retry = await start(key);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(first.json().created).toBe(true);
    expect(retry.json()).toEqual({ ...first.json(), created: false });
    expect(await moneySnapshot(t)).toEqual(before);
  });

  it('the same key with a different body is idempotency_key_reused and changes nothing', async () => {
    const key = randomUUID();
    expect((await start(key)).statusCode).toBe(201);
    const before = await moneySnapshot(t);
    for (const other of [
      { ...body, amount: 6601 },
      { ...body, email: 'someone@example.org' },
      { ...body, frequency: 'monthly' },
    ]) {
      const res = await start(key, other);
      expect([res.statusCode, errorCode(res)]).toEqual([409, 'idempotency_key_reused']);
    }
    expect(await moneySnapshot(t)).toEqual(before);
  });

  it.each([
    ['missing', undefined],
    ['too short', 'abc'],
    ['with a space', 'has a space in it'],
  ])('a key that is %s is idempotency_key_required and changes nothing', async (_name, key) => {
    const before = await moneySnapshot(t);
    const res = await start(key);
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'idempotency_key_required']);
    expect(await moneySnapshot(t)).toEqual(before);
  });

  it('concurrent retries with one key create one donation with one payment', async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 12 }, () => start(key)));
    const statuses = answers.map((a) => a.statusCode);
    expect([
      statuses.filter((s) => s === 201).length,
      statuses.filter((s) => s === 200).length,
    ]).toEqual([1, 11]);
    const ids = new Set(answers.map((a) => a.json().donation.id));
    const checkouts = new Set(answers.map((a) => a.json().payment.checkoutUrl));
    const tokens = new Set(answers.map((a) => a.json().accessToken));
    expect([ids.size, checkouts.size, tokens.size]).toEqual([1, 1, 1]);
    const rows = await t.database.db
      .selectFrom('donations')
      .select(['id', 'provider_ref'])
      .where('idempotency_key', '=', key)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.provider_ref).toMatch(/^sbx_/);
    // And it is paid once.
    expect(outcome(await providerCallback(t, 'payment.succeeded', rows[0]!.id))).toBe('credited');
    await expectBooksAgree(t);
  });
});

describe('a monthly donation', () => {
  it('the first payment activates the schedule a month on; its donor stops it, no one else can', async () => {
    const donor = await new Client(t.app).signUp(`monthly-${randomUUID()}@example.org`);
    const started = await donor.request(
      'POST',
      `/api/projects/${projectId}/donations`,
      { amount: 10_000, currency: 'CNY', frequency: 'monthly' },
      { 'idempotency-key': randomUUID() },
    );
    expect(started.statusCode, started.body).toBe(201);
    const { donation } = started.json() as { donation: { id: string; frequency: string } };
    expect(donation.frequency).toBe('monthly');
    const { recurring_id } = await donationRow(donation.id);
    const schedule = () =>
      t.database.db
        .selectFrom('recurring_donations')
        .select(['status', 'next_charge_at', 'stopped_at'])
        .where('id', '=', recurring_id!)
        .executeTakeFirstOrThrow();
    expect((await schedule()).status).toBe('pending');

    expect(outcome(await providerCallback(t, 'payment.succeeded', donation.id))).toBe('credited');
    expect(await schedule()).toEqual({
      status: 'active',
      next_charge_at: new Date('2026-02-28T09:00:00.000Z'),
      stopped_at: null,
    });
    const mine = (await donor.get('/api/my/donations')).json();
    expect(mine.items).toEqual([
      expect.objectContaining({ id: donation.id, status: 'paid', monthly: 'active' }),
    ]);

    // Someone else, signed in: as if it did not exist. A guest: sign in first.
    const stranger = await new Client(t.app).signUp(`stranger-${randomUUID()}@example.org`);
    const other = await stranger.delete(`/api/my/donations/${donation.id}/monthly`);
    expect([other.statusCode, errorCode(other)]).toEqual([404, 'not_found']);
    const guest = await new Client(t.app).delete(`/api/my/donations/${donation.id}/monthly`);
    expect([guest.statusCode, errorCode(guest)]).toEqual([401, 'unauthenticated']);
    expect((await schedule()).status).toBe('active');

    const stop = await donor.delete(`/api/my/donations/${donation.id}/monthly`);
    expect(stop.statusCode, stop.body).toBe(204);
    expect(await schedule()).toMatchObject({ status: 'stopped', stopped_at: NOW });
    const again = await donor.delete(`/api/my/donations/${donation.id}/monthly`);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'monthly_not_active']);
    // The payment made stands.
    expect((await donationRow(donation.id)).status).toBe('paid');
    expect((await donor.get('/api/my/donations')).json().items[0]).toMatchObject({
      monthly: 'stopped',
    });
  });

  it('a first payment that fails leaves its schedule unstarted; a success arriving after the failure starts it', async () => {
    const started = await startGuestDonation(t, projectId, 10_000, { frequency: 'monthly' });
    const { recurring_id } = await donationRow(started.donation.id);
    const schedule = () =>
      t.database.db
        .selectFrom('recurring_donations')
        .select(['status', 'next_charge_at'])
        .where('id', '=', recurring_id!)
        .executeTakeFirstOrThrow();
    expect(outcome(await providerCallback(t, 'payment.failed', started.donation.id))).toBe(
      'failed',
    );
    // Never charged while pending (only active schedules are), whatever comes next.
    expect((await schedule()).status).toBe('pending');
    expect(outcome(await providerCallback(t, 'payment.succeeded', started.donation.id))).toBe(
      'credited',
    );
    // The same end as when the success comes first and the failure after it.
    expect(await schedule()).toEqual({
      status: 'active',
      next_charge_at: new Date('2026-02-28T09:00:00.000Z'),
    });
  });

  it('a one-off donation has no monthly schedule to stop', async () => {
    const donor = await new Client(t.app).signUp(`once-${randomUUID()}@example.org`);
    const started = await donor.request(
      'POST',
      `/api/projects/${projectId}/donations`,
      { amount: 1000, currency: 'CNY' },
      { 'idempotency-key': randomUUID() },
    );
    const res = await donor.delete(`/api/my/donations/${started.json().donation.id}/monthly`);
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'monthly_not_active']);
  });
});
