import { ErrorResponse } from '@goodtrace/contract';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every JSON answer checked against the schema its route declares, as the tests run (buildApp's
 * `checkResponses`). Fastify serialises answers with fast-json-stringify, which silently DROPS a
 * field the schema does not list and fills nothing in for one it lacks: a response schema that
 * has drifted from the code loses data without a sound. Here the answer, as plain JSON would
 * carry it, must match its schema closed — an object has exactly the fields listed (unless the
 * schema says otherwise, as the log's events do) — and a 2xx status must be one the route
 * declares, as JSON. Error answers must have the one error shape, whatever the route declares.
 */
export function checkResponses(app: FastifyInstance, onMismatch: (message: string) => void) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const compiled = new WeakMap<object, ValidateFunction>();
  const validator = (schema: object) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(closed(schema) as object);
      compiled.set(schema, validate);
    }
    return validate;
  };

  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    // The OpenAPI document's own routes (hidden from it) answer what @fastify/swagger makes.
    if ((request.routeOptions.schema as { hide?: boolean } | undefined)?.hide) return payload;
    const status = reply.statusCode;
    const where = `${request.method} ${request.routeOptions.url ?? request.url} → ${status}`;
    const fail = (problem: string) => {
      const message = `response of ${where} does not match its schema: ${problem}`;
      onMismatch(message);
      throw new Error(message);
    };
    const schema =
      status >= 400
        ? ErrorResponse
        : declaredSchema(request.routeOptions.schema?.response as Responses | undefined, status);
    if (!schema) return fail('the route declares no schema for this status');
    if ('content' in schema) return fail('the route declares a non-JSON answer here');
    // What the client gets from a serialiser that keeps everything (Dates become text).
    const sent = JSON.parse(JSON.stringify(payload)) as unknown;
    const validate = validator(schema);
    if (!validate(sent)) fail(describe(validate.errors ?? []));
    return payload;
  });
}

type Responses = Record<string, object>;

/** Ajv's errors, naming the field an object should not have. */
function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      return `body${e.instancePath} ${e.message}${extra ? ` (${extra})` : ''}`;
    })
    .join('; ');
}

/** The schema a route declares for a status: exact, else `2xx`-style, else `default`. */
function declaredSchema(responses: Responses | undefined, status: number): object | undefined {
  if (!responses) return undefined;
  return responses[status] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
}

/**
 * A copy of a JSON schema in which every object that lists its properties and says nothing of
 * others refuses them; `$id`s are dropped, the copy being compiled inline wherever it is used.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    out[key] = closed(value);
  }
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}
