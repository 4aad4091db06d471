import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentSignatureError } from '../src/payments/provider.js';
import {
  createSandboxProvider,
  SANDBOX_SIGNATURE_HEADER,
  type SandboxCallbackEvent,
  signSandboxCallback,
} from '../src/payments/sandbox.js';

const secret = 'sandbox-secret-for-tests-0123456789abcdef';
const signedAt = new Date('2026-11-26T08:00:00.000Z');
const at = (seconds: number) => new Date(signedAt.getTime() + seconds * 1000);
/** A provider whose clock reads `seconds` after the callback was signed. */
const providerAt = (seconds: number, key = secret) =>
  createSandboxProvider({ secret: key, clock: () => at(seconds) });

const paid: SandboxCallbackEvent = {
  eventId: 'evt_sbx_1',
  kind: 'payment.succeeded',
  providerRef: 'sbx_abc',
  donationId: 'don_1',
  amount: 5000,
  currency: 'CNY',
};

function post(event = paid, key = secret, now = signedAt) {
  const signed = signSandboxCallback(key, event, now);
  return { body: Buffer.from(signed.body), headers: signed.headers };
}

function signatureError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PaymentSignatureError);
    return (err as Error).message;
  }
  throw new Error('expected a PaymentSignatureError');
}

describe('sandbox payment provider', () => {
  it('starts a test payment: a fresh sbx_ reference and the checkout page of the donation', async () => {
    const sandbox = providerAt(0);
    expect(sandbox.name).toBe('sandbox');
    expect(sandbox.testMode).toBe(true);
    const req = {
      donationId: 'don_1',
      amount: 5000,
      currency: 'CNY' as const,
      description: 'Books for Lincang',
      idempotencyKey: 'k1',
      email: null,
    };
    const a = await sandbox.createPayment(req);
    const b = await sandbox.createPayment(req);
    expect(a).toEqual({
      providerRef: expect.stringMatching(/^sbx_[0-9a-f]{32}$/),
      checkoutUrl: '/donate/pay/don_1',
      clientSecret: null,
    });
    expect(b.providerRef).not.toBe(a.providerRef);
  });

  it('a signed callback parses back into the event it was made from', () => {
    const { body, headers } = post();
    expect(JSON.parse(body.toString())).toEqual({
      id: 'evt_sbx_1',
      type: 'payment.succeeded',
      data: { providerRef: 'sbx_abc', donationId: 'don_1', amount: 5000, currency: 'CNY' },
      created: signedAt.getTime() / 1000,
    });
    expect(headers['content-type']).toBe('application/json');
    expect(providerAt(30).parseWebhook(body, headers)).toEqual({
      eventId: 'evt_sbx_1',
      kind: 'payment.succeeded',
      providerRef: 'sbx_abc',
      donationId: 'don_1',
      amount: 5000,
      currency: 'CNY',
      occurredAt: signedAt,
    });
  });

  it('verifies a callback signed by the documented scheme, not only by its own helper', () => {
    const body = JSON.stringify({
      id: 'evt_hand',
      type: 'payment.refunded',
      data: { providerRef: 'sbx_abc', donationId: 'don_1', amount: 5000, currency: 'CNY' },
      created: 1_790_000_000,
    });
    const t = signedAt.getTime() / 1000;
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    const event = providerAt(0).parseWebhook(Buffer.from(body), {
      [SANDBOX_SIGNATURE_HEADER]: `t=${t},v1=${v1}`,
    });
    expect(event).toMatchObject({ eventId: 'evt_hand', kind: 'payment.refunded' });
    expect(event?.occurredAt).toEqual(new Date(1_790_000_000_000));
  });

  it('signs with its own secret when the checkout asks it to, ids fresh each time', () => {
    const sandbox = providerAt(0);
    const { eventId: _, ...withoutId } = paid;
    const a = sandbox.signCallback(withoutId, signedAt);
    const b = sandbox.signCallback(withoutId, signedAt);
    const first = sandbox.parseWebhook(Buffer.from(a.body), a.headers);
    const second = sandbox.parseWebhook(Buffer.from(b.body), b.headers);
    expect(first?.eventId).toMatch(/^evt_sbx_/);
    expect(second?.eventId).not.toBe(first?.eventId);
    expect(() =>
      providerAt(0, 'x'.repeat(40)).parseWebhook(Buffer.from(a.body), a.headers),
    ).toThrow(PaymentSignatureError);
  });

  it('refuses a tampered body: the amount raised after signing', () => {
    const { body, headers } = post();
    const tampered = Buffer.from(body.toString().replace('"amount":5000', '"amount":500000'));
    expect(signatureError(() => providerAt(0).parseWebhook(tampered, headers))).toMatch(
      /does not verify/,
    );
  });

  it('refuses a callback signed with another secret', () => {
    const { body, headers } = post(paid, 'someone-elses-secret-0123456789abcdef');
    expect(signatureError(() => providerAt(0).parseWebhook(body, headers))).toMatch(
      /does not verify/,
    );
  });

  it('refuses a replay of an old callback, and one dated in the future, beyond 5 minutes', () => {
    const { body, headers } = post();
    expect(providerAt(300).parseWebhook(body, headers)?.eventId).toBe('evt_sbx_1');
    expect(providerAt(-300).parseWebhook(body, headers)?.eventId).toBe('evt_sbx_1');
    expect(signatureError(() => providerAt(301).parseWebhook(body, headers))).toMatch(
      /301 s off our clock/,
    );
    expect(signatureError(() => providerAt(-301).parseWebhook(body, headers))).toMatch(
      /-301 s off our clock/,
    );
    // Re-dating the header does not help: the timestamp is part of what is signed.
    const v1 = headers[SANDBOX_SIGNATURE_HEADER]!.split('v1=')[1];
    const redated = { [SANDBOX_SIGNATURE_HEADER]: `t=${at(3600).getTime() / 1000},v1=${v1}` };
    expect(signatureError(() => providerAt(3600).parseWebhook(body, redated))).toMatch(
      /does not verify/,
    );
  });

  it('refuses a callback without the signature header, or with two of them', () => {
    const { body, headers } = post();
    expect(signatureError(() => providerAt(0).parseWebhook(body, {}))).toMatch(
      /no goodtrace-sandbox-signature header/,
    );
    const value = headers[SANDBOX_SIGNATURE_HEADER]!;
    expect(
      signatureError(() =>
        providerAt(0).parseWebhook(body, { [SANDBOX_SIGNATURE_HEADER]: [value, value] }),
      ),
    ).toMatch(/more than one/);
    // A header name in another case is the same header.
    expect(providerAt(0).parseWebhook(body, { 'Goodtrace-Sandbox-Signature': value })?.kind).toBe(
      'payment.succeeded',
    );
  });

  it.each([
    ['empty', ''],
    ['not key=value', 'garbage'],
    ['no signature', 't=1795161600'],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['a timestamp that is not a number', `t=soon,v1=${'a'.repeat(64)}`],
    ['a signature that is not hex', `t=1795161600,v1=${'z'.repeat(64)}`],
    ['a truncated signature', `t=1795161600,v1=${'a'.repeat(63)}`],
  ])('refuses a malformed signature header (%s)', (_, value) => {
    const { body } = post();
    expect(() => providerAt(0).parseWebhook(body, { [SANDBOX_SIGNATURE_HEADER]: value })).toThrow(
      PaymentSignatureError,
    );
  });

  it('accepts any of several signatures, so a secret can be rotated', () => {
    const { body, headers } = post();
    const value = headers[SANDBOX_SIGNATURE_HEADER]!;
    const [t, v1] = value.split(',');
    const rotated = { [SANDBOX_SIGNATURE_HEADER]: `${t},v1=${'0'.repeat(64)},${v1}` };
    expect(providerAt(0).parseWebhook(body, rotated)?.eventId).toBe('evt_sbx_1');
  });

  it('returns null for an event kind it does not handle, once the signature verifies', () => {
    const body = JSON.stringify({
      id: 'evt_sbx_2',
      type: 'payment.pending',
      data: { providerRef: 'sbx_abc', donationId: 'don_1', amount: 5000, currency: 'CNY' },
      created: signedAt.getTime() / 1000,
    });
    const t = signedAt.getTime() / 1000;
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    const headers = { [SANDBOX_SIGNATURE_HEADER]: `t=${t},v1=${v1}` };
    expect(providerAt(0).parseWebhook(Buffer.from(body), headers)).toBeNull();
    // …but an unhandled kind with a bad signature is still refused.
    expect(() =>
      providerAt(0).parseWebhook(Buffer.from(body.replace('5000', '1')), headers),
    ).toThrow(PaymentSignatureError);
  });

  it.each([
    ['not JSON', 'not json', /not JSON/],
    ['an array', '[]', /not a sandbox event/],
    [
      'a fractional amount',
      '{"id":"e","type":"payment.succeeded","data":{"providerRef":"r","donationId":"d","amount":1.5,"currency":"CNY"},"created":1}',
      /not a sandbox event/,
    ],
    ['no data', '{"id":"e","type":"payment.succeeded","created":1}', /not a sandbox event/],
  ])('refuses a signed body that is not a sandbox event (%s)', (_, body, message) => {
    const t = signedAt.getTime() / 1000;
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(
      signatureError(() =>
        providerAt(0).parseWebhook(Buffer.from(body), {
          [SANDBOX_SIGNATURE_HEADER]: `t=${t},v1=${v1}`,
        }),
      ),
    ).toMatch(message);
  });
});
