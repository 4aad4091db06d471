import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, errorBody } from '../errors.js';

/** Maps Fastify's own error codes onto ours, so every 4xx/5xx has the one documented shape. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
};

/** What @fastify/rate-limit throws when a limit is hit; the error handler renders it. */
export function rateLimitedBody(_req: unknown, ctx: { statusCode: number }) {
  return { statusCode: ctx.statusCode, ...errorBody('rate_limited') };
}

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler(
    (err: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof AppError) {
        return reply.status(err.status).send(errorBody(err.code, err.message, err.details));
      }
      if (err.validation) {
        const details = err.validation.map((v) => ({
          where: err.validationContext,
          path: v.instancePath || '/',
          problem: v.message,
          ...(v.keyword === 'additionalProperties'
            ? { field: (v.params as { additionalProperty?: string }).additionalProperty }
            : {}),
        }));
        return reply
          .status(400)
          .send(
            errorBody(
              'validation_failed',
              `Invalid ${err.validationContext ?? 'request'}: ${err.message}`,
              details,
            ),
          );
      }
      const mapped = err.code ? fastifyCodes[err.code] : undefined;
      if (mapped) return reply.status(new AppError(mapped).status).send(errorBody(mapped));
      if (err.statusCode === 429) return reply.status(429).send(errorBody('rate_limited'));
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        request.log.info({ err }, 'client error without a mapping');
        return reply.status(400).send(errorBody('validation_failed', err.message));
      }
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send(errorBody('internal'));
    },
  );
}
