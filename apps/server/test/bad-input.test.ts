import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorTable } from '../src/errors.js';
import { Client, errorCode, sampleOrg, startTestApp, type TestApp } from './support/app.js';
import { projectBody, samplePng } from './support/money.js';

/**
 * Bad input over a real HTTP connection: each gets a 4xx with a stable code in the one error
 * shape, and nothing in the store changes.
 */
let t: TestApp;
let base: string;
let session: { cookie: string; csrf: string };
let user: Client;
let orgId: string; // a charity the user registered (pending), with a draft project
let draftId: string;
const EVIDENCE_MAX_BYTES = 4096;

beforeAll(async () => {
  t = await startTestApp({ env: { EVIDENCE_MAX_BYTES: String(EVIDENCE_MAX_BYTES) } });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  user = await new Client(t.app).signUp('bad-input@example.org');
  session = { cookie: `gt_session=${user.cookie}`, csrf: user.csrfToken! };
  orgId = (await user.post('/api/orgs', sampleOrg('bad-input'))).json().id;
  const draft = await user.post(`/api/orgs/${orgId}/projects`, projectBody());
  expect(draft.statusCode, draft.body).toBe(201);
  draftId = draft.json().id;
});
afterAll(() => t.close());

async function send(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Headers;
  json: { error?: { code: string; message: string } };
}> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
}

/**
 * What the server writes back to bytes sent as they are on one connection (for what fetch
 * will not send: a bad method, a NUL in a header, headers over Node's limit). `partial` leaves
 * the connection open after sending, as a client still uploading would: the answer must come
 * before the rest of the body.
 */
function rawHttp(request: string | Buffer, partial = false): Promise<string> {
  const { port, hostname } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let out = '';
    const done = () => {
      socket.destroy();
      resolve(out);
    };
    socket.on('data', (d) => {
      out += d.toString('latin1');
      // A whole response arrived (its body is as long as its Content-Length).
      const m = /\r\ncontent-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(out);
      if (m && Buffer.byteLength(m[2]!, 'latin1') >= Number(m[1])) done();
    });
    if (partial) socket.setTimeout(10_000, done);
    socket.on('close', done);
    socket.on('error', (err) => (out ? done() : reject(err)));
  });
}

/** The status and error body of a raw HTTP response. */
function parseRaw(response: string) {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return { status, json: JSON.parse(body) as { error?: { code: string; message: string } } };
}

/** The one documented error shape, with a code from errors.ts and that code's status. */
function expectDocumentedError(status: number, json: unknown, code: string) {
  expect(json).toEqual({
    error: {
      code,
      message: expect.any(String),
      ...((json as { error?: { details?: unknown } }).error?.details === undefined
        ? {}
        : { details: expect.anything() }),
    },
  });
  expect(errorTable[code as keyof typeof errorTable]?.status).toBe(status);
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

describe('text that is not well-formed Unicode, or has a NUL, is refused at the edge', () => {
  const asMember = () => ({ ...asUser() });
  it.each([
    [
      'a NUL in a body field',
      'POST',
      '/api/orgs',
      JSON.stringify(sampleOrg('n', { name: 'Ch\u0000arity' })),
    ],
    [
      'a NUL deep in a body (a budget line label)',
      'POST',
      () => `/api/orgs/${orgId}/projects`,
      () => JSON.stringify(projectBody({ budget: [{ label: 'Bo\u0000oks', amount: 100 }] })),
    ],
    [
      'a lone high surrogate in a body field',
      'POST',
      '/api/orgs',
      JSON.stringify(sampleOrg('s')).replace('"Charity s"', '"Charity \\ud800s"'),
    ],
    [
      'a lone low surrogate in a PATCH',
      'PATCH',
      () => `/api/orgs/${orgId}/projects/${draftId}`,
      '{"title":"Textbooks \\udc00 for all"}',
    ],
    ['a lone surrogate in a field name', 'POST', '/api/orgs', '{"\\ud83d":1}'],
    ['a NUL in a field name', 'POST', '/api/orgs', '{"a\\u0000":1}'],
    [
      'bytes that are not UTF-8',
      'POST',
      '/api/orgs',
      Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    ],
    ['a NUL in a query string', 'GET', '/api/orgs?q=a%00b', undefined],
    ['a NUL in a query string of projects', 'GET', '/api/projects?city=%00', undefined],
    ['a NUL in a query parameter name', 'GET', '/api/orgs?%00=1', undefined],
    [
      'a query string that is not valid percent-encoded UTF-8',
      'GET',
      '/api/orgs?q=%ED%A0%80',
      undefined,
    ],
    [
      'a truncated percent-encoding in a query string',
      'GET',
      '/api/projects?q=%E0%A4%A',
      undefined,
    ],
    ['a NUL in a path parameter', 'GET', '/api/acknowledgements/AAAAA%00BBBBB', undefined],
    [
      'a NUL in a path parameter of a write',
      'POST',
      '/api/acknowledgements/AAAAA-%00BBBB-CCCCC',
      '{}',
    ],
    ['a path that is not valid percent-encoded UTF-8', 'GET', '/api/orgs/%E0%A4%A', undefined],
  ])('%s: 400 invalid_text, nothing changes', async (_name, method, path, body) => {
    const before = await counts();
    const url = typeof path === 'function' ? path() : path;
    const payload = typeof body === 'function' ? body() : body;
    const res = await send(method, url, payload, asMember());
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    expectDocumentedError(res.status, res.json, 'invalid_text');
    expect(await counts()).toEqual(before);
  });

  it('a NUL in a header the app reads (Idempotency-Key) is invalid_text', async () => {
    // Node's HTTP parser refuses a NUL in a header before the app sees it (malformed_request,
    // below); in-process requests skip that parser, and must meet the same refusal.
    const res = await new Client(t.app).request(
      'POST',
      `/api/projects/${randomUUID()}/donations`,
      { amount: 5000, currency: 'CNY', email: 'a@example.org' },
      { 'idempotency-key': `key-${randomUUID()}\u0000` },
    );
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'invalid_text']);
  });

  it('text a route stores comes back exactly as sent: a pair of surrogates (an emoji) is fine', async () => {
    const res = await user.patch(`/api/orgs/${orgId}/projects/${draftId}`, {
      title: 'Textbooks 📚 for Hillside',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().title).toBe('Textbooks 📚 for Hillside');
  });
});

describe('what the framework and Node answer themselves has the documented shape', () => {
  it('a path parameter over the router’s length limit is validation_failed', async () => {
    const res = await send('GET', `/api/orgs/${'a'.repeat(600)}`);
    expectDocumentedError(res.status, res.json, 'validation_failed');
    const code = await send('GET', `/api/acknowledgements/${'A'.repeat(300)}`);
    expectDocumentedError(code.status, code.json, 'validation_failed');
  });

  it.each([
    ['an unknown /api route', 'GET', '/api/no/such/thing'],
    ['an unknown method on a known path', 'PUT', '/api/orgs'],
    ['a method no route has', 'PROPFIND', '/api/orgs'],
    ['a method no route has, on /log', 'OPTIONS', '/log/checkpoint'],
  ])('%s is 404 not_found', async (_name, method, path) => {
    const res = await send(method, path);
    expect(res.status).toBe(404);
    expectDocumentedError(res.status, res.json, 'not_found');
  });

  it('a malformed cookie is as no session: a write is unauthenticated', async () => {
    const res = await send('POST', '/api/orgs', JSON.stringify(sampleOrg('c')), {
      cookie: 'gt_session=%E0%A4%A; =; ;;x',
    });
    expect(res.status).toBe(401);
    expectDocumentedError(res.status, res.json, 'unauthenticated');
  });

  it('headers over Node’s limit: 431 header_too_large', async () => {
    const res = parseRaw(
      await rawHttp(`GET /api/orgs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(res.status).toBe(431);
    expectDocumentedError(res.status, res.json, 'header_too_large');
  });

  it.each([
    ['an unknown method', 'FOO /api/orgs HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a NUL in a header', 'GET /api/orgs HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
    ['a bad Content-Length', 'POST /api/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n'],
    ['HTTP/1.1 without a Host', 'GET /api/orgs HTTP/1.1\r\n\r\n'],
  ])('%s: 400 malformed_request', async (_name, request) => {
    const res = parseRaw(await rawHttp(request));
    expect(res.status).toBe(400);
    expectDocumentedError(res.status, res.json, 'malformed_request');
  });

  it('an Expect the server cannot meet: 417 expectation_failed', async () => {
    const res = parseRaw(
      await rawHttp('GET /api/orgs HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n'),
    );
    expect(res.status).toBe(417);
    expectDocumentedError(res.status, res.json, 'expectation_failed');
  });
});

describe('request bodies are exactly their schema', () => {
  it.each([
    ['arrays', `${'['.repeat(500_000)}${']'.repeat(500_000)}`],
    ['objects', `${'{"a":'.repeat(170_000)}1${'}'.repeat(170_000)}`],
  ])('a body of %s nested as deep as 1 MiB allows is a 400, not a crash', async (_, body) => {
    const res = await send('POST', `/api/orgs/${orgId}/beneficiaries`, body, asUser());
    expect(res.status).toBe(400);
    expect(['invalid_json', 'validation_failed']).toContain(res.json.error?.code);
  });

  it('a project PATCH with an unknown field is validation_failed and changes nothing', async () => {
    const before = await t.database.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', draftId)
      .executeTakeFirstOrThrow();
    const res = await user.patch(`/api/orgs/${orgId}/projects/${draftId}`, {
      title: 'A new title for the project',
      status: 'published',
    });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'validation_failed']);
    expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'status' })]);
    const after = await t.database.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', draftId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
  });

  it('an empty project PATCH is validation_failed', async () => {
    const res = await user.patch(`/api/orgs/${orgId}/projects/${draftId}`, {});
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'validation_failed']);
  });
});

describe('a lookup of something that does not exist is 404', () => {
  it('withdrawing an invitation that does not exist is not_found; one already withdrawn is invitation_not_open', async () => {
    const missing = await user.delete(`/api/orgs/${orgId}/invitations/${randomUUID()}`);
    expect([missing.statusCode, errorCode(missing)]).toEqual([404, 'not_found']);
    const inv = await user.post(`/api/orgs/${orgId}/invitations`, {
      email: 'invitee@example.org',
      role: 'editor',
    });
    expect(inv.statusCode, inv.body).toBe(201);
    expect((await user.delete(`/api/orgs/${orgId}/invitations/${inv.json().id}`)).statusCode).toBe(
      204,
    );
    const again = await user.delete(`/api/orgs/${orgId}/invitations/${inv.json().id}`);
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'invitation_not_open']);
  });

  it('publishing a project that does not exist is not_found, also in a charity not yet verified', async () => {
    const res = await user.post(`/api/orgs/${orgId}/projects/${randomUUID()}/publish`);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'not_found']);
  });

  it('another charity’s invitation is as absent as one that does not exist', async () => {
    const other = await new Client(t.app).signUp('other-owner@example.org');
    const otherOrg = (await other.post('/api/orgs', sampleOrg('other-inv'))).json().id;
    const inv = await other.post(`/api/orgs/${otherOrg}/invitations`, {
      email: 'someone@example.org',
      role: 'editor',
    });
    const res = await user.delete(`/api/orgs/${orgId}/invitations/${inv.json().id}`);
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'not_found']);
  });
});

describe('who may call a route is decided before its body is read', () => {
  const uploadHead = (path: string, length: number, extra = '') =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: ${length}\r\n${extra}\r\n`;

  it('an anonymous upload is answered 401 while the client is still sending it', async () => {
    const head = uploadHead(`/api/orgs/${orgId}/files`, 10 * 1024 * 1024);
    const res = parseRaw(await rawHttp(Buffer.concat([Buffer.from(head), samplePng]), true));
    expect(res.status).toBe(401);
    expectDocumentedError(res.status, res.json, 'unauthenticated');
  });

  it('an upload by someone who is not a member is answered 403 while they are still sending it', async () => {
    const stranger = await new Client(t.app).signUp('stranger@example.org');
    const head = uploadHead(
      `/api/orgs/${orgId}/files`,
      10 * 1024 * 1024,
      `Cookie: gt_session=${stranger.cookie}\r\nX-CSRF-Token: ${stranger.csrfToken}\r\n`,
    );
    const res = parseRaw(await rawHttp(Buffer.concat([Buffer.from(head), samplePng]), true));
    expect(res.status).toBe(403);
    expectDocumentedError(res.status, res.json, 'forbidden');
  });

  it('an anonymous upload over the size limit is 401, not 413: its size was never looked at', async () => {
    const res = await send(
      'POST',
      `/api/orgs/${orgId}/files`,
      Buffer.alloc(EVIDENCE_MAX_BYTES * 4, 1),
      { 'content-type': 'image/png' },
    );
    expectDocumentedError(res.status, res.json, 'unauthenticated');
  });

  it('an anonymous JSON write over 1 MiB is 401, not 413', async () => {
    const res = await send('POST', '/api/orgs', JSON.stringify({ x: 'x'.repeat(1_200_000) }));
    expectDocumentedError(res.status, res.json, 'unauthenticated');
  });

  it('a write to a charity whose id is not a UUID is validation_failed before anything is read', async () => {
    const res = await send('POST', '/api/orgs/not-a-uuid/files', samplePng, {
      ...asUser(),
      'content-type': 'image/png',
    });
    expect(res.status).toBe(400);
    expectDocumentedError(res.status, res.json, 'validation_failed');
  });
});
