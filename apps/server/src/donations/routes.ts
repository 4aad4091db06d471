import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DonateBody,
  DonationIdParams,
  DonationStarted,
  DonationTokenQuery,
  DonationTrace,
  DonorDonation,
  IdempotencyHeaders,
  MyDonationPage,
  MyDonationsQuery,
  PaymentCallbackAnswer,
  PaymentProviderParams,
  ProjectIdParams,
  Receipt,
  ReceiptPending,
  SandboxPaid,
  SandboxPayBody,
} from '@goodtrace/contract';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { binary, errorResponses } from '../http/schemas.js';
import { getReceipt } from '../ledger/read.js';
import { PaymentSignatureError } from '../payments/provider.js';
import { renderReceiptPdf } from '../receipts/receipt-pdf.js';
import { listMyDonations, stopMonthly } from './my-donations.js';
import { getDonorDonation, getTrace, receiptEvent, receiptPdfData } from './queries.js';

const donationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/projects/:projectId/donations',
    {
      config: {
        access: 'public',
        rateLimit: { max: app.config.rateLimit.donationsPerIp, timeWindow: '1 minute' },
      },
      schema: {
        summary: 'Donate to a project (signed in, or as a guest with an email)',
        description:
          "Send an Idempotency-Key header: a retry with the same key and body returns the same donation (200), never a second payment. The answer says how to pay; only the payment provider's verified callback credits the project.",
        tags: ['donations'],
        params: ProjectIdParams,
        headers: IdempotencyHeaders,
        body: DonateBody,
        response: {
          200: DonationStarted,
          201: DonationStarted,
          ...errorResponses,
          502: errorResponses[400],
        },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !/^[\x21-\x7e]{8,100}$/.test(key))
        throw new AppError('idempotency_key_required');
      const b = request.body;
      const result = await app.donations.start(
        {
          projectId: request.params.projectId,
          amount: b.amount,
          currency: b.currency,
          frequency: b.frequency ?? 'once',
          anonymous: b.anonymous ?? false,
          displayName: b.displayName ?? null,
          message: b.message ?? null,
          email: b.email ?? request.auth?.user.email ?? null,
          userId: request.auth?.user.id ?? null,
          idempotencyKey: key,
        },
        app.clock(),
      );
      reply.code(result.created ? 201 : 200);
      return result;
    },
  );

  app.get(
    '/donations/:donationId',
    {
      config: { access: 'public' },
      schema: {
        summary:
          "The donor's view of a donation (with the link's token, or signed in as its donor)",
        tags: ['donations'],
        params: DonationIdParams,
        querystring: DonationTokenQuery,
        response: { 200: DonorDonation, 404: errorResponses[404] },
      },
    },
    async (request) =>
      getDonorDonation(app.db, request.params.donationId, {
        token: request.query.token,
        userId: request.auth?.user.id,
      }),
  );

  app.get(
    '/donations/:donationId/trace',
    {
      config: { access: 'public' },
      schema: {
        summary:
          'Where the money went: allocations, disbursements, evidence, confirmations, each with its receipt',
        tags: ['donations'],
        params: DonationIdParams,
        querystring: DonationTokenQuery,
        response: { 200: DonationTrace, 404: errorResponses[404] },
      },
    },
    async (request) =>
      getTrace(
        app.db,
        request.params.donationId,
        { token: request.query.token, userId: request.auth?.user.id },
        app.clock(),
        app.ledger.receipts,
      ),
  );

  app.get(
    '/receipts/:donationId',
    {
      config: { access: 'public' },
      schema: {
        summary:
          "A paid donation's ledger receipt: event, inclusion proof, cosigned checkpoint (202 while the log has not yet sequenced it)",
        tags: ['donations'],
        params: DonationIdParams,
        response: { 200: Receipt, 202: ReceiptPending, 404: errorResponses[404] },
      },
    },
    async (request, reply) => {
      const found = await getReceipt(
        app.db,
        await receiptEvent(app.db, request.params.donationId),
        app.ledger.receipts,
      );
      if (found.status === 'pending') {
        reply.code(202).header('retry-after', '1');
        return { status: 'pending' as const };
      }
      reply.header(
        'content-disposition',
        `inline; filename="goodtrace-receipt-${request.params.donationId}.json"`,
      );
      return found.receipt;
    },
  );

  app.get(
    '/receipts/:donationId/pdf',
    {
      config: { access: 'public' },
      schema: {
        summary: 'A printable PDF receipt with a QR code to the receipt page',
        tags: ['donations'],
        params: DonationIdParams,
        response: {
          200: binary('A PDF receipt', ['application/pdf']),
          404: errorResponses[404],
        },
      },
    },
    async (request, reply) => {
      const receipt = await receiptPdfData(app.db, request.params.donationId);
      const pdf = await renderReceiptPdf({
        ...receipt,
        receiptUrl: `${request.protocol}://${request.host}/receipts/${receipt.donationId}`,
      });
      reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="goodtrace-receipt-${receipt.donationId}.pdf"`,
        )
        .header('cache-control', 'no-store');
      return reply.send(pdf);
    },
  );

  app.get(
    '/my/donations',
    {
      config: { access: 'signed-in' },
      schema: {
        summary: 'My donations, newest first',
        tags: ['donations'],
        querystring: MyDonationsQuery,
        response: { 200: MyDonationPage, ...errorResponses },
      },
    },
    async (request) =>
      listMyDonations(app.db, request.auth!.user.id, request.query.page, request.query.pageSize),
  );

  app.delete(
    '/my/donations/:donationId/monthly',
    {
      config: { access: 'signed-in' },
      schema: {
        summary: 'Stop the monthly donation this donation belongs to',
        tags: ['donations'],
        params: DonationIdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await stopMonthly(app.db, request.auth!.user.id, request.params.donationId, app.clock());
      reply.code(204);
    },
  );
};

/**
 * The payment providers' callbacks. The signature covers the exact bytes sent, so this scope
 * keeps JSON bodies raw; nothing else is registered here.
 */
export const paymentWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/payments/webhooks/:provider',
    {
      config: { access: 'public' },
      schema: {
        summary: "The payment provider's signed callback",
        tags: ['donations'],
        params: PaymentProviderParams,
        response: { 200: PaymentCallbackAnswer, ...errorResponses },
      },
    },
    async (request) => {
      if (request.params.provider !== app.payments.name)
        throw new AppError('not_found', 'This payment provider is not configured.');
      const raw = request.body;
      if (!Buffer.isBuffer(raw)) throw new AppError('payment_signature_invalid');
      return receivePaymentCallback(app, raw, request.headers, request.log);
    },
  );
};

/**
 * A provider's callback as it arrives: its signature verified by the provider, then applied.
 * The webhook route calls this with the request's raw body; the sandbox checkout with the
 * callback it has just signed, so test money goes through the same check and the same credit.
 */
async function receivePaymentCallback(
  app: FastifyInstance,
  raw: Buffer,
  headers: IncomingHttpHeaders,
  log: FastifyBaseLogger,
): Promise<PaymentCallbackAnswer> {
  let event: ReturnType<typeof app.payments.parseWebhook>;
  try {
    event = app.payments.parseWebhook(raw, headers);
  } catch (err) {
    if (err instanceof PaymentSignatureError) {
      log.warn({ provider: app.payments.name, reason: err.message }, 'payment callback refused');
      throw new AppError('payment_signature_invalid');
    }
    throw err;
  }
  if (!event) return { received: true, outcome: 'ignored' };
  const result = await app.donations.applyPayment(event, app.clock());
  log.info(
    { provider: app.payments.name, eventId: event.eventId, kind: event.kind, ...result },
    'payment callback',
  );
  return { received: true, outcome: result.outcome };
}

/** The sandbox checkout's buttons: sign a callback as a provider would and hand it to the webhook's handler. */
export const sandboxCheckoutRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/payments/sandbox/:donationId/pay',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sandbox checkout: pay (or decline) a pending donation with test money',
        tags: ['donations'],
        params: DonationIdParams,
        body: SandboxPayBody,
        response: { 200: SandboxPaid, ...errorResponses },
      },
    },
    async (request) => {
      const provider = app.payments;
      if (provider.name !== 'sandbox')
        throw new AppError('not_found', 'The sandbox provider is not in use.');
      const { donationId } = request.params;
      const row = await app.donations.checkout(donationId, request.body.token).catch((err) => {
        // Someone else's or no donation: the token is what is wrong. Anything else (the
        // database failing) is not the caller's mistake and answers as such.
        if (err instanceof AppError && err.code === 'not_found')
          throw new AppError('invalid_token');
        throw err;
      });
      if (!row.provider_ref)
        throw new AppError('not_found', 'This donation has no sandbox payment.');
      const { body, headers } = provider.signCallback(
        {
          kind: request.body.outcome === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
          providerRef: row.provider_ref,
          donationId,
          amount: Number(row.amount),
          currency: row.currency,
        },
        app.clock(),
      );
      // Straight to the webhook's handler, without a second HTTP request in this process:
      // the provider's signature check and the credit are the ones a real callback gets.
      const res = await receivePaymentCallback(app, Buffer.from(body), headers, request.log).catch(
        (err) => {
          // Its own signature refused: the sandbox is misconfigured, not the donor's mistake.
          if (err instanceof AppError && err.code === 'payment_signature_invalid') {
            request.log.error({ err }, 'sandbox callback refused by the webhook handler');
            throw new AppError('internal');
          }
          throw err;
        },
      );
      return { ...res, donationId };
    },
  );
};

export default donationRoutes;
