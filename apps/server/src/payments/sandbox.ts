import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PaymentSignatureError } from './errors.js';
import type {
  PaymentEvent,
  PaymentEventKind,
  PaymentProvider,
  PaymentRequest,
  PaymentStart,
} from './provider.js';
import { signatureHeader } from './webhook-header.js';

/**
 * The sandbox provider: no money moves. Its checkout page (the web app's /donate/pay/:id)
 * "pays" by having the server sign a callback exactly as a real provider would and send it
 * through the real webhook route, so the path from callback to credited donation is the one
 * real money takes. Callbacks are signed like Stripe's: HMAC-SHA256 over `t.rawBody`.
 */

export const SANDBOX_SIGNATURE_HEADER = 'goodtrace-sandbox-signature';
/** How far a callback's timestamp may be from our clock, either way. */
export const SANDBOX_TOLERANCE_SECONDS = 300;

const kinds: readonly PaymentEventKind[] = [
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.disputed',
];

/** What signSandboxCallback signs: an event, its id and time optional. */
export interface SandboxCallbackEvent {
  eventId?: string;
  kind: PaymentEventKind;
  providerRef: string;
  donationId: string;
  amount: number;
  currency: string;
  occurredAt?: Date;
}

export interface SignedCallback {
  body: string;
  headers: Record<string, string>;
}

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Exactly what a provider would POST for `event` at `now`: the JSON body
 * `{id, type, data: {providerRef, donationId, amount, currency}, created}` and its headers.
 */
export function signSandboxCallback(
  secret: string,
  event: SandboxCallbackEvent,
  now: Date,
): SignedCallback {
  const t = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({
    id: event.eventId ?? `evt_sbx_${randomBytes(12).toString('hex')}`,
    type: event.kind,
    data: {
      providerRef: event.providerRef,
      donationId: event.donationId,
      amount: event.amount,
      currency: event.currency,
    },
    created: Math.floor((event.occurredAt ?? now).getTime() / 1000),
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [SANDBOX_SIGNATURE_HEADER]: `t=${t},v1=${hmacHex(secret, t, body)}`,
    },
  };
}

/** `t=<unix>,v1=<hex>[,v1=<hex>…]`; several v1 entries let a secret be rotated. */
function parseSignature(header: string): { t: number; v1: Buffer[] } {
  let t: number | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || v1.length === 0) {
    throw new PaymentSignatureError(`malformed ${SANDBOX_SIGNATURE_HEADER} header`);
  }
  return { t, v1 };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A signed body that is not the shape we sign is refused like a bad signature: we never sent it. */
function readEvent(rawBody: Buffer): PaymentEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PaymentSignatureError('the signed callback body is not JSON');
  }
  const data = isRecord(json) ? json.data : undefined;
  if (
    !isRecord(json) ||
    typeof json.id !== 'string' ||
    typeof json.type !== 'string' ||
    !Number.isSafeInteger(json.created) ||
    !isRecord(data) ||
    typeof data.providerRef !== 'string' ||
    typeof data.donationId !== 'string' ||
    !Number.isSafeInteger(data.amount) ||
    typeof data.currency !== 'string'
  ) {
    throw new PaymentSignatureError('the signed callback body is not a sandbox event');
  }
  if (!(kinds as readonly string[]).includes(json.type)) return null;
  return {
    eventId: json.id,
    kind: json.type as PaymentEventKind,
    providerRef: data.providerRef,
    donationId: data.donationId,
    amount: data.amount as number,
    currency: data.currency,
    occurredAt: new Date((json.created as number) * 1000),
  };
}

export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;
  readonly testMode = true;
  readonly #secret: string;
  readonly #clock: () => Date;

  constructor(opts: { secret: string; clock?: () => Date }) {
    this.#secret = opts.secret;
    this.#clock = opts.clock ?? (() => new Date());
  }

  async createPayment(req: PaymentRequest): Promise<PaymentStart> {
    return {
      providerRef: `sbx_${randomBytes(16).toString('hex')}`,
      checkoutUrl: `/donate/pay/${encodeURIComponent(req.donationId)}`,
      clientSecret: null,
    };
  }

  /** The callback this sandbox would send for `event` now (for the checkout's "pay" route). */
  signCallback(event: SandboxCallbackEvent, now: Date = this.#clock()): SignedCallback {
    return signSandboxCallback(this.#secret, event, now);
  }

  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent | null {
    const { t, v1 } = parseSignature(signatureHeader(headers, SANDBOX_SIGNATURE_HEADER));
    const expected = Buffer.from(hmacHex(this.#secret, t, rawBody), 'hex');
    // Every candidate is compared, in constant time, so timing tells nothing about which.
    let valid = false;
    for (const candidate of v1) valid = timingSafeEqual(candidate, expected) || valid;
    if (!valid) throw new PaymentSignatureError('the callback signature does not verify');
    const age = Math.floor(this.#clock().getTime() / 1000) - t;
    if (Math.abs(age) > SANDBOX_TOLERANCE_SECONDS) {
      throw new PaymentSignatureError(
        `the callback's timestamp is ${age} s off our clock (at most ${SANDBOX_TOLERANCE_SECONDS} s either way)`,
      );
    }
    return readEvent(rawBody);
  }
}

export function createSandboxProvider(opts: {
  secret: string;
  clock?: () => Date;
}): SandboxPaymentProvider {
  return new SandboxPaymentProvider(opts);
}
