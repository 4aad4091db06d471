import { ErrorResponse } from '@goodtrace/contract';

/**
 * What the routes add to the contract's schemas (@goodtrace/contract holds every request and
 * JSON answer): the error statuses each route declares, and how a non-JSON answer is declared.
 */

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};

/**
 * An answer that is not JSON (a PDF, a file, a CSV or XLSX export, a tile, a signed note),
 * declared with its media types for the OpenAPI document. Fastify does not serialise it: the
 * handler sends bytes, a stream or text.
 */
export function binary(description: string, mediaTypes: string[]) {
  const schema = mediaTypes.every((m) => m.startsWith('text/'))
    ? { type: 'string' }
    : { type: 'string', format: 'binary' };
  return {
    description,
    content: Object.fromEntries(mediaTypes.map((m) => [m, { schema }])),
  };
}
