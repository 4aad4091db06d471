import type { PaymentsConfig } from '../config.js';
import { createSandboxProvider, type SandboxPaymentProvider } from './sandbox.js';
import { createStripeProvider, type StripePaymentProvider } from './stripe.js';

export { PaymentProviderError, PaymentSignatureError } from './errors.js';

/** What the donation code asks a provider to collect. */
export interface PaymentRequest {
  donationId: string;
  /** In fen. */
  amount: number;
  currency: 'CNY';
  description: string;
  /** Sent to the provider so a retried donation never opens a second payment. */
  idempotencyKey: string;
  email: string | null;
}

export interface PaymentStart {
  providerRef: string;
  /** sandbox: relative URL of its checkout page, e.g. /donate/pay/<donationId> */
  checkoutUrl: string | null;
  /** stripe: PaymentIntent client_secret */
  clientSecret: string | null;
}

export type PaymentEventKind =
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.refunded'
  | 'payment.disputed';

export interface PaymentEvent {
  /** The provider's id for this callback: the same event delivered twice has the same id. */
  eventId: string;
  kind: PaymentEventKind;
  providerRef: string;
  /** Empty when the provider's object does not carry it (a Stripe dispute): match on providerRef. */
  donationId: string;
  /** In fen: received (succeeded), asked (failed), refunded so far (refunded), disputed. */
  amount: number;
  /** Upper case, e.g. CNY. */
  currency: string;
  occurredAt: Date;
}

export interface PaymentProvider {
  readonly name: 'sandbox' | 'stripe';
  /** true when no real money moves (sandbox; stripe with an sk_test_ key) */
  readonly testMode: boolean;
  createPayment(req: PaymentRequest): Promise<PaymentStart>;
  /** Verifies the callback's signature over the exact raw body; throws PaymentSignatureError if it is missing/forged/stale; returns null for event kinds we do not handle. */
  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent | null;
}

/** A provider built from configuration; `name` tells which, e.g. to reach the sandbox's signer. */
export type ConfiguredPaymentProvider = SandboxPaymentProvider | StripePaymentProvider;

export interface PaymentProviderOptions {
  /** The clock that callback timestamps are checked against (the app's clock in tests). */
  clock?: () => Date;
}

/**
 * The provider the configuration names. The sandbox needs its secret resolved: use
 * loadPaymentProvider, which reads or creates it under the data folder.
 */
export function createPaymentProvider(
  config: PaymentsConfig,
  opts: PaymentProviderOptions = {},
): ConfiguredPaymentProvider {
  if (config.provider === 'stripe') {
    return createStripeProvider({
      secretKey: config.stripeSecretKey,
      webhookSecret: config.stripeWebhookSecret,
      ...opts,
    });
  }
  if (!config.sandboxSecret) {
    throw new Error('the sandbox payment provider needs its secret: use loadPaymentProvider');
  }
  return createSandboxProvider({ secret: config.sandboxSecret, ...opts });
}
