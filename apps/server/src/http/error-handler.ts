import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { AppError, type ErrorCode, errorBody, errorTable } from '../errors.js';

/** Maps Fastify's own error codes onto ours, so every 4xx/5xx has the one documented shape. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_VALIDATION: 'validation_failed',
};

/** What @fastify/rate-limit throws when a limit is hit; the error handler renders it. */
export function rateLimitedBody(_req: unknown, ctx: { statusCode: number }) {
  return { statusCode: ctx.statusCode, ...errorBody('rate_limited') };
}

/**
 * Renders any error as `{"error":{"code","message"}}` with the status of its code. The one
 * error handler: a scope that wants to answer some error its own way maps it to an AppError
 * and calls this (it must not re-throw: a scope handler's throw is answered outside it).
 */
export function handleError(
  err: FastifyError | AppError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  // Refused before its body was read (an upload refused by the access check, a body over the
  // limit): close the connection rather than read and discard the rest.
  if (request.raw.complete === false) reply.header('connection', 'close');
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
  if (mapped) return reply.status(errorTable[mapped].status).send(errorBody(mapped));
  if (err.statusCode === 429) return reply.status(429).send(errorBody('rate_limited'));
  if (err.statusCode === 413) return reply.status(413).send(errorBody('body_too_large'));
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    request.log.info({ err }, 'client error without a mapping');
    return reply.status(400).send(errorBody('validation_failed', err.message));
  }
  request.log.error({ err }, 'unhandled error');
  return reply.status(500).send(errorBody('internal'));
}

/**
 * What the router meets before any route runs (Fastify's `frameworkErrors`): a path whose
 * percent-encoding is not UTF-8, a path parameter over `maxParamLength`.
 */
const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  err,
  request,
  reply,
) => {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return handleError(
        new AppError('invalid_text', 'The path is not valid percent-encoded UTF-8.', {
          where: 'params',
        }),
        request,
        reply,
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return handleError(
        new AppError('validation_failed', 'A path parameter is too long.', { where: 'params' }),
        request,
        reply,
      );
    default:
      return handleError(err, request, reply);
  }
};

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a bad method or request line,
 * a NUL or other forbidden byte in a header, headers over `maxHeaderSize`, a request that is
 * too slow): answered on the socket in the one shape, then the connection is closed.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  // A reset connection has no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'header_too_large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'malformed_request';
  if (socket.writable) socket.write(rawResponse(code));
  socket.destroy();
}

function rawResponse(code: ErrorCode): string {
  const body = JSON.stringify(errorBody(code));
  const { status } = errorTable[code];
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** The Fastify options that route the framework's own refusals through our shape. */
export const errorShapeOptions = {
  frameworkErrors,
  clientErrorHandler,
  // Node refuses an HTTP/1.1 request without Host itself, with an empty 400, unless told not
  // to; installErrorHandling's hook refuses it instead, in our shape (RFC 9112 §3.2).
  http: { requireHostHeader: false },
} as const;

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler(handleError);
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new AppError('malformed_request', 'An HTTP/1.1 request must have a Host header.');
    }
  });
  // Node answers an Expect it does not know itself, with an empty 417, unless someone listens.
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify(errorBody('expectation_failed'));
    res.writeHead(errorTable.expectation_failed.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
    req.resume();
  });
}
