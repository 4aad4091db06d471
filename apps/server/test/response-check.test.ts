import { ErrorResponse } from '@goodtrace/contract';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponses } from '../src/http/response-check.js';
import { binary } from '../src/http/schemas.js';

// The safety net under every other test: fast-json-stringify drops what a response schema
// does not list, so each answer is checked against its schema, closed, before it is sent.
const Thing = Type.Object({
  id: Type.String(),
  tags: Type.Array(Type.Object({ name: Type.String() })),
  note: Type.Union([Type.String(), Type.Null()]),
});

const mismatches: string[] = [];
const app = Fastify();

beforeAll(async () => {
  checkResponses(app, (m) => mismatches.push(m));
  const answer = (body: unknown, status = 200) => ({
    schema: { response: { 200: Thing, 404: ErrorResponse } },
    handler: async (_req: unknown, reply: { code(n: number): void }) => {
      reply.code(status);
      return body;
    },
  });
  const ok = { id: 'a', tags: [{ name: 'x' }], note: null };
  app.get('/ok', answer(ok));
  app.get('/extra', answer({ ...ok, secret: 'dropped by the serialiser' }));
  app.get('/nested-extra', answer({ ...ok, tags: [{ name: 'x', colour: 'red' }] }));
  app.get('/missing', answer({ id: 'a', tags: [] }));
  app.get('/wrong-type', answer({ ...ok, note: 5 }));
  app.get('/undeclared-status', answer(ok, 201));
  app.get('/error-shape', answer({ message: 'not our error shape' }, 404));
  app.get('/error', answer({ error: { code: 'not_found', message: 'No.' } }, 404));
  app.get(
    '/pdf-as-json',
    { schema: { response: { 200: binary('A PDF', ['application/pdf']) } } },
    async () => ({ not: 'a pdf' }),
  );
  app.get(
    '/pdf',
    { schema: { response: { 200: binary('A PDF', ['application/pdf']) } } },
    (_r, reply) => reply.header('content-type', 'application/pdf').send(Buffer.from('%PDF-1.7')),
  );
  app.get('/undeclared', async () => ({ any: 'thing' }));
  await app.ready();
});
afterAll(() => app.close());

async function get(url: string) {
  mismatches.length = 0;
  const res = await app.inject(url);
  return { status: res.statusCode, mismatches: [...mismatches] };
}

describe('every answer is checked against its declared schema', () => {
  it('lets an answer that matches exactly through, and error bodies of the one shape', async () => {
    expect(await get('/ok')).toEqual({ status: 200, mismatches: [] });
    expect(await get('/error')).toEqual({ status: 404, mismatches: [] });
  });

  it('lets bytes through where the route declares a file', async () => {
    expect(await get('/pdf')).toEqual({ status: 200, mismatches: [] });
  });

  for (const [url, problem] of [
    ['/extra', /must NOT have additional properties/],
    ['/nested-extra', /body\/tags\/0 must NOT have additional properties/],
    ['/missing', /must have required property 'note'/],
    ['/wrong-type', /body\/note must be/],
    ['/undeclared-status', /declares no schema for this status/],
    ['/error-shape', /must have required property 'error'/],
    ['/pdf-as-json', /declares a non-JSON answer/],
    ['/undeclared', /declares no schema/],
  ] as const) {
    it(`fails ${url} loudly: a 500 and the mismatch reported`, async () => {
      const { status, mismatches: found } = await get(url);
      expect(status).toBe(500);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(problem);
      expect(found[0]).toContain(`GET ${url}`);
    });
  }
});
