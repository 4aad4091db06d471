/**
 * The two ways a payment provider fails. They live apart from provider.ts (which re-exports
 * them) so the adapters can import them without an import cycle through the factory.
 */

/** A callback whose signature is missing, forged or stale, or whose signed body is unreadable. */
export class PaymentSignatureError extends Error {
  override name = 'PaymentSignatureError';
}

/** The provider could not be reached, or refused the request. */
export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
}
