import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, sampleOrg, startTestApp, type TestApp } from './support/app.js';

/**
 * Bad input over a real HTTP connection: each gets a 4xx with a stable code in the one error
 * shape, and nothing in the store changes.
 */
let t: TestApp;
let base: string;
let session: { cookie: string; csrf: string };

beforeAll(async () => {
  t = await startTestApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const c = await new Client(t.app).signUp('bad-input@example.org');
  session = { cookie: `gt_session=${c.cookie}`, csrf: c.csrfToken! };
});
afterAll(() => t.close());

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

const asUser = () => ({ cookie: session.cookie, 'x-csrf-token': session.csrf });

async function counts() {
  const db = t.database.db;
  const [users, orgs, sessions] = await Promise.all(
    (['users', 'orgs', 'sessions'] as const).map((table) =>
      db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ),
  );
  return { users: users!.n, orgs: orgs!.n, sessions: sessions!.n };
}

describe('bad input', () => {
  const signUp = (body: unknown) => JSON.stringify(body);
  const good = { email: 'new@example.org', password: 'correct horse battery', displayName: 'New' };

  it.each([
    ['malformed JSON', 'POST', '/api/auth/sign-up', '{"email": "a@b.c",', 400, 'invalid_json'],
    ['an empty JSON body', 'POST', '/api/auth/sign-up', '', 400, 'invalid_json'],
    [
      'a wrong type',
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, password: 12345678901 }),
      400,
      'validation_failed',
    ],
    [
      'a number as a string',
      'POST',
      '/api/orgs?',
      signUp({ ...sampleOrg('x'), cause: 7 }),
      400,
      'validation_failed',
    ],
    [
      'a missing field',
      'POST',
      '/api/auth/sign-up',
      signUp({ email: good.email, password: good.password }),
      400,
      'validation_failed',
    ],
    [
      'an over-long string',
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, displayName: 'x'.repeat(81) }),
      400,
      'validation_failed',
    ],
    [
      'an unknown field',
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, platformRole: 'admin' }),
      400,
      'validation_failed',
    ],
    [
      'a blank name',
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, displayName: '   ' }),
      400,
      'validation_failed',
    ],
    [
      'a malformed email',
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, email: 'not-an-email' }),
      400,
      'validation_failed',
    ],
    [
      'an array instead of an object',
      'POST',
      '/api/auth/sign-up',
      '[1,2,3]',
      400,
      'validation_failed',
    ],
    [
      'a charity with an unknown cause',
      'POST',
      '/api/orgs',
      signUp(sampleOrg('y', { cause: 'astrology' })),
      400,
      'validation_failed',
    ],
    [
      'a charity with an unknown field',
      'POST',
      '/api/orgs',
      signUp({ ...sampleOrg('z'), status: 'verified' }),
      400,
      'validation_failed',
    ],
    [
      'a charity id that is not a UUID',
      'GET',
      '/api/orgs/1%20or%201=1',
      undefined,
      400,
      'validation_failed',
    ],
    ['an unknown route', 'GET', '/api/no-such-thing', undefined, 404, 'not_found'],
    [
      'an unknown charity',
      'GET',
      '/api/orgs/00000000-0000-4000-8000-000000000000',
      undefined,
      404,
      'not_found',
    ],
  ])(
    '%s is refused with a stable code and changes nothing',
    async (_name, method, path, body, status, code) => {
      const before = await counts();
      const res = await send(method, path, body, asUser());
      expect(res.status).toBe(status);
      expect(res.json.error?.code).toBe(code);
      expect(typeof res.json.error?.message).toBe('string');
      expect(await counts()).toEqual(before);
    },
  );

  it('a body over 1 MiB is refused with 413', async () => {
    const before = await counts();
    const res = await send(
      'POST',
      '/api/auth/sign-up',
      signUp({ ...good, displayName: 'x'.repeat(1_100_000) }),
    );
    expect(res.status).toBe(413);
    expect(res.json.error?.code).toBe('body_too_large');
    expect(await counts()).toEqual(before);
  });

  it('a body that is not JSON is refused with 415', async () => {
    const res = await send('POST', '/api/auth/sign-in', 'email=a@b.c&password=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.json.error?.code).toBe('unsupported_media_type');
  });

  it('a write to a protected route without signing in is refused with 401', async () => {
    const before = await counts();
    const res = await send('POST', '/api/orgs', signUp(sampleOrg('anon')));
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe('unauthenticated');
    expect(await counts()).toEqual(before);
  });

  it('the health endpoints and the OpenAPI document answer', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: t.database.kind });
    const spec = (await (await fetch(`${base}/api/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/orgs', '/api/auth/sign-in']),
    );
    const docs = await fetch(`${base}/api/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
  });
});
