import Stripe from 'stripe';
import { PaymentProviderError, PaymentSignatureError } from './errors.js';
import type { PaymentEvent, PaymentProvider, PaymentRequest, PaymentStart } from './provider.js';
import { signatureHeader } from './webhook-header.js';

/**
 * Stripe, through PaymentIntents: the donation page confirms the intent with Stripe.js and
 * the client secret, and Stripe tells us the outcome by a signed webhook. Only the webhook
 * counts; what the browser says about a payment is never trusted.
 */

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
/** Stripe's own default tolerance for a webhook's timestamp. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  /** The clock webhook timestamps are checked against. */
  clock?: () => Date;
  /** Where the Stripe API is; only tests point it elsewhere (a local server posing as Stripe). */
  api?: { host: string; port: number; protocol: 'http' | 'https' };
  /** Retries of a failed request (the same idempotency key each time); the library's default is 2. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
}

function paymentIntentId(ref: string | { id: string } | null): string | null {
  if (ref === null) return null;
  return typeof ref === 'string' ? ref : ref.id;
}

function describe(err: unknown): string {
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode ? ` ${err.statusCode}` : '';
    const code = err.code ? ` ${err.code}` : '';
    return `${err.type}${status}${code}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly testMode: boolean;
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;
  readonly #clock: () => Date;

  constructor(opts: StripeProviderOptions) {
    this.testMode = /^(sk|rk)_test_/.test(opts.secretKey);
    this.#webhookSecret = opts.webhookSecret;
    this.#clock = opts.clock ?? (() => new Date());
    this.#stripe = new Stripe(opts.secretKey, {
      ...(opts.api ?? {}),
      ...(opts.maxNetworkRetries === undefined
        ? {}
        : { maxNetworkRetries: opts.maxNetworkRetries }),
      timeout: opts.timeoutMs ?? 20_000,
      // No usage reports to Stripe about our requests.
      telemetry: false,
      appInfo: { name: 'Goodtrace' },
    });
  }

  async createPayment(req: PaymentRequest): Promise<PaymentStart> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.#stripe.paymentIntents.create(
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          description: req.description,
          metadata: { donationId: req.donationId },
          ...(req.email ? { receipt_email: req.email } : {}),
        },
        { idempotencyKey: req.idempotencyKey },
      );
    } catch (err) {
      throw new PaymentProviderError(`Stripe refused the payment: ${describe(err)}`, {
        cause: err,
      });
    }
    if (!intent.id || !intent.client_secret) {
      throw new PaymentProviderError('Stripe answered without a PaymentIntent id or client secret');
    }
    return { providerRef: intent.id, checkoutUrl: null, clientSecret: intent.client_secret };
  }

  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent | null {
    const signature = signatureHeader(headers, STRIPE_SIGNATURE_HEADER);
    let event: Stripe.Event;
    try {
      event = this.#stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.#webhookSecret,
        STRIPE_TOLERANCE_SECONDS,
        undefined,
        this.#clock().getTime(),
      );
    } catch (err) {
      // A bad signature, a stale timestamp, or a signed body that is not an event.
      throw new PaymentSignatureError(`the Stripe callback does not verify: ${describe(err)}`, {
        cause: err,
      });
    }
    const base = { eventId: event.id, occurredAt: new Date(event.created * 1000) };
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed': {
        const intent = event.data.object;
        // An intent without our donation id was made by something else on the same account.
        const donationId = intent.metadata?.donationId;
        if (!donationId) return null;
        const succeeded = event.type === 'payment_intent.succeeded';
        return {
          ...base,
          kind: succeeded ? 'payment.succeeded' : 'payment.failed',
          providerRef: intent.id,
          donationId,
          amount: succeeded ? intent.amount_received : intent.amount,
          currency: intent.currency.toUpperCase(),
        };
      }
      case 'charge.refunded': {
        const charge = event.data.object;
        const providerRef = paymentIntentId(charge.payment_intent);
        if (!providerRef) return null;
        return {
          ...base,
          kind: 'payment.refunded',
          providerRef,
          donationId: charge.metadata?.donationId ?? '',
          amount: charge.amount_refunded,
          currency: charge.currency.toUpperCase(),
        };
      }
      case 'charge.dispute.created': {
        const dispute = event.data.object;
        const providerRef = paymentIntentId(dispute.payment_intent);
        if (!providerRef) return null;
        return {
          ...base,
          kind: 'payment.disputed',
          providerRef,
          // A dispute carries its own (empty) metadata, not the intent's.
          donationId: dispute.metadata?.donationId ?? '',
          amount: dispute.amount,
          currency: dispute.currency.toUpperCase(),
        };
      }
      default:
        return null;
    }
  }
}

export function createStripeProvider(opts: StripeProviderOptions): StripePaymentProvider {
  return new StripePaymentProvider(opts);
}
