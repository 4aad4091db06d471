import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PaymentProviderError,
  type PaymentRequest,
  PaymentSignatureError,
} from '../src/payments/provider.js';
import { createStripeProvider, STRIPE_SIGNATURE_HEADER } from '../src/payments/stripe.js';

const webhookSecret = 'whsec_test_goodtrace_0123456789';
const secretKey = 'sk_test_goodtrace_0123456789';
const signedAt = new Date('2026-11-26T08:00:00.000Z');
const unix = (d: Date) => Math.floor(d.getTime() / 1000);
const at = (seconds: number) => new Date(signedAt.getTime() + seconds * 1000);

/** A webhook provider whose clock reads `seconds` after the callback was signed. */
const providerAt = (seconds: number, secret = webhookSecret) =>
  createStripeProvider({ secretKey, webhookSecret: secret, clock: () => at(seconds) });

function stripeEvent(type: string, object: Record<string, unknown>, id = 'evt_1') {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: unix(signedAt) - 2,
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  });
}

const intent = (extra: Record<string, unknown> = {}) => ({
  id: 'pi_123',
  object: 'payment_intent',
  amount: 5000,
  amount_received: 5000,
  currency: 'cny',
  metadata: { donationId: 'don_1' },
  status: 'succeeded',
  ...extra,
});

/** What Stripe would POST: the body and a stripe-signature made by Stripe's own test helper. */
function delivery(payload: string, opts: { secret?: string; timestamp?: Date } = {}) {
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? webhookSecret,
    timestamp: unix(opts.timestamp ?? signedAt),
  });
  return { body: Buffer.from(payload), headers: { [STRIPE_SIGNATURE_HEADER]: header } };
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

describe('Stripe webhooks', () => {
  it('is in test mode only with a test key', () => {
    expect(providerAt(0).testMode).toBe(true);
    expect(createStripeProvider({ secretKey: 'rk_test_abc', webhookSecret }).testMode).toBe(true);
    const live = createStripeProvider({ secretKey: 'sk_live_abc', webhookSecret });
    expect(live.name).toBe('stripe');
    expect(live.testMode).toBe(false);
  });

  it('payment_intent.succeeded is a succeeded payment of the donation in its metadata', () => {
    const { body, headers } = delivery(stripeEvent('payment_intent.succeeded', intent()));
    expect(providerAt(10).parseWebhook(body, headers)).toEqual({
      eventId: 'evt_1',
      kind: 'payment.succeeded',
      providerRef: 'pi_123',
      donationId: 'don_1',
      amount: 5000,
      currency: 'CNY',
      occurredAt: at(-2),
    });
  });

  it('payment_intent.payment_failed is a failed payment of the amount asked', () => {
    const failed = intent({ amount_received: 0, status: 'requires_payment_method' });
    const { body, headers } = delivery(stripeEvent('payment_intent.payment_failed', failed));
    expect(providerAt(10).parseWebhook(body, headers)).toMatchObject({
      kind: 'payment.failed',
      providerRef: 'pi_123',
      donationId: 'don_1',
      amount: 5000,
    });
  });

  it('charge.refunded is a refund of its PaymentIntent, for the amount refunded so far', () => {
    const charge = {
      id: 'ch_1',
      object: 'charge',
      amount: 5000,
      amount_refunded: 2000,
      currency: 'cny',
      payment_intent: 'pi_123',
      metadata: { donationId: 'don_1' },
      refunded: false,
    };
    const { body, headers } = delivery(stripeEvent('charge.refunded', charge));
    expect(providerAt(10).parseWebhook(body, headers)).toMatchObject({
      kind: 'payment.refunded',
      providerRef: 'pi_123',
      donationId: 'don_1',
      amount: 2000,
      currency: 'CNY',
    });
  });

  it('charge.dispute.created is a dispute of its PaymentIntent (no donation id on a dispute)', () => {
    const dispute = {
      id: 'dp_1',
      object: 'dispute',
      amount: 5000,
      currency: 'cny',
      charge: 'ch_1',
      payment_intent: 'pi_123',
      metadata: {},
      reason: 'fraudulent',
      status: 'needs_response',
    };
    const { body, headers } = delivery(stripeEvent('charge.dispute.created', dispute));
    expect(providerAt(10).parseWebhook(body, headers)).toMatchObject({
      kind: 'payment.disputed',
      providerRef: 'pi_123',
      donationId: '',
      amount: 5000,
    });
  });

  it('returns null for events it does not handle or payments that are not ours', () => {
    const cases = [
      stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }),
      stripeEvent('payment_intent.succeeded', intent({ metadata: {} })),
      stripeEvent('charge.refunded', {
        id: 'ch_2',
        object: 'charge',
        amount: 100,
        amount_refunded: 100,
        currency: 'cny',
        payment_intent: null,
        metadata: {},
      }),
    ];
    for (const payload of cases) {
      const { body, headers } = delivery(payload);
      expect(providerAt(10).parseWebhook(body, headers)).toBeNull();
    }
  });

  it('refuses a forged signature', () => {
    const { body } = delivery(stripeEvent('payment_intent.succeeded', intent()));
    const forged = { [STRIPE_SIGNATURE_HEADER]: `t=${unix(signedAt)},v1=${'ab'.repeat(32)}` };
    expect(signatureError(() => providerAt(10).parseWebhook(body, forged))).toMatch(
      /does not verify/,
    );
  });

  it('refuses a callback signed with another webhook secret', () => {
    const { body, headers } = delivery(stripeEvent('payment_intent.succeeded', intent()), {
      secret: 'whsec_someone_else',
    });
    expect(() => providerAt(10).parseWebhook(body, headers)).toThrow(PaymentSignatureError);
  });

  it('refuses a callback whose timestamp is more than 5 minutes old', () => {
    const { body, headers } = delivery(stripeEvent('payment_intent.succeeded', intent()));
    expect(providerAt(300).parseWebhook(body, headers)?.kind).toBe('payment.succeeded');
    expect(signatureError(() => providerAt(301).parseWebhook(body, headers))).toMatch(/tolerance/);
  });

  it('refuses a tampered body: the amount raised after signing', () => {
    const { body, headers } = delivery(stripeEvent('payment_intent.succeeded', intent()));
    const tampered = Buffer.from(
      body.toString().replace('"amount_received":5000', '"amount_received":500000'),
    );
    expect(() => providerAt(10).parseWebhook(tampered, headers)).toThrow(PaymentSignatureError);
  });

  it('refuses a callback without a stripe-signature header', () => {
    const { body } = delivery(stripeEvent('payment_intent.succeeded', intent()));
    expect(signatureError(() => providerAt(10).parseWebhook(body, {}))).toMatch(
      /no stripe-signature header/,
    );
  });
});

/** A local HTTP server posing as the Stripe API; each test queues the answers it gives. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}
let server: Server;
let port: number;
let seen: Seen[] = [];
let answers: { status: number; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        form: new URLSearchParams(Buffer.concat(chunks).toString()),
      });
      const answer = answers.shift() ?? { status: 500, body: { error: { type: 'api_error' } } };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  answers = [];
});

const api = (maxNetworkRetries = 0) =>
  createStripeProvider({
    secretKey,
    webhookSecret,
    api: { host: '127.0.0.1', port, protocol: 'http' },
    maxNetworkRetries,
  });

const request: PaymentRequest = {
  donationId: 'don_1',
  amount: 5000,
  currency: 'CNY',
  description: 'Donation to Books for Lincang',
  idempotencyKey: 'donation-don_1',
  email: 'donor@example.org',
};

const created = {
  id: 'pi_123',
  object: 'payment_intent',
  amount: 5000,
  currency: 'cny',
  client_secret: 'pi_123_secret_abc',
  metadata: { donationId: 'don_1' },
  status: 'requires_payment_method',
};

describe('Stripe createPayment', () => {
  it('creates a PaymentIntent in fen and CNY, tagged with the donation, under the idempotency key', async () => {
    answers.push({ status: 200, body: created });
    expect(await api().createPayment(request)).toEqual({
      providerRef: 'pi_123',
      checkoutUrl: null,
      clientSecret: 'pi_123_secret_abc',
    });
    expect(seen).toHaveLength(1);
    const sent = seen[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/payment_intents');
    expect(sent.headers.authorization).toBe(`Bearer ${secretKey}`);
    expect(sent.headers['idempotency-key']).toBe('donation-don_1');
    expect(Object.fromEntries(sent.form)).toEqual({
      amount: '5000',
      currency: 'cny',
      description: 'Donation to Books for Lincang',
      'metadata[donationId]': 'don_1',
      receipt_email: 'donor@example.org',
    });
  });

  it('asks for no receipt email when the donor gave none', async () => {
    answers.push({ status: 200, body: created });
    await api().createPayment({ ...request, email: null });
    expect(seen[0]!.form.has('receipt_email')).toBe(false);
  });

  it('a refusal (402) is a PaymentProviderError saying why', async () => {
    answers.push({
      status: 402,
      body: { error: { type: 'card_error', code: 'amount_too_small', message: 'Too small.' } },
    });
    const err = await api()
      .createPayment(request)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect((err as Error).message).toMatch(/402 amount_too_small: Too small\./);
    expect((err as Error).cause).toBeInstanceOf(Stripe.errors.StripeCardError);
  });

  it('a server error (500) is retried with the same idempotency key, then a PaymentProviderError', async () => {
    const failure = { status: 500, body: { error: { type: 'api_error', message: 'Oops.' } } };
    answers.push(failure, failure);
    await expect(api(1).createPayment(request)).rejects.toThrow(PaymentProviderError);
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual([
      'donation-don_1',
      'donation-don_1',
    ]);
  });

  it('a request that succeeds on its retry gives the PaymentIntent', async () => {
    answers.push({ status: 500, body: { error: { type: 'api_error' } } });
    answers.push({ status: 200, body: created });
    expect((await api(1).createPayment(request)).providerRef).toBe('pi_123');
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual([
      'donation-don_1',
      'donation-don_1',
    ]);
  });

  it('an answer without a client secret is a PaymentProviderError', async () => {
    answers.push({ status: 200, body: { ...created, client_secret: null } });
    await expect(api().createPayment(request)).rejects.toThrow(/client secret/);
  });

  it('an unreachable Stripe is a PaymentProviderError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const provider = createStripeProvider({
      secretKey,
      webhookSecret,
      api: { host: '127.0.0.1', port: deadPort, protocol: 'http' },
      maxNetworkRetries: 0,
    });
    await expect(provider.createPayment(request)).rejects.toThrow(PaymentProviderError);
  });
});
