import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../src/accounts/sessions.js';
import { signUp } from '../src/accounts/sign-up.js';
import { Client, sampleOrg, startTestApp, type TestApp } from './support/app.js';
import { samplePng } from './support/money.js';

/**
 * Every rate-limited route, driven past its limit: the refusal is HTTP 429 with the documented
 * body and a Retry-After, whatever scope the route lives in (an upload's scope reads raw bytes
 * and has its own error handling; it once answered 200 with a 429 body).
 */
let t: TestApp;
let member: { cookie: string; csrf: string };
let orgId: string;

beforeAll(async () => {
  t = await startTestApp({
    env: {
      RATE_LIMIT_SIGNIN_PER_IP: '2',
      RATE_LIMIT_SIGNIN_PER_ACCOUNT: '2',
      RATE_LIMIT_SIGNUP_PER_IP: '2',
      RATE_LIMIT_DONATIONS_PER_IP: '2',
      RATE_LIMIT_UPLOADS_PER_IP: '2',
    },
  });
  // Made without the rate-limited routes: an account with a session, and its charity.
  const user = await signUp(t.database.db, {
    email: 'limits@example.org',
    password: 'correct horse battery',
    displayName: 'Limits',
  });
  const s = await createSession(t.database.db, user.id, new Date(), 1);
  member = { cookie: `gt_session=${s.token}`, csrf: s.csrfToken };
  const client = Object.assign(new Client(t.app), { cookie: s.token, csrfToken: s.csrfToken });
  orgId = (await client.post('/api/orgs', sampleOrg('limits'))).json().id;
});
afterAll(() => t.close());

let ip = 0;
/** Sends `request` from one fresh address until it is refused; returns that refusal. */
async function untilRefused(
  request: (remoteAddress: string) => Promise<LightMyRequestResponse>,
  atMost: number,
): Promise<LightMyRequestResponse> {
  const remoteAddress = `10.9.${Math.floor(++ip / 250)}.${ip % 250}`;
  for (let i = 0; i <= atMost; i++) {
    const res = await request(remoteAddress);
    if (res.statusCode === 429 || res.json()?.error?.code === 'rate_limited') return res;
  }
  throw new Error(`not rate-limited after ${atMost + 1} requests`);
}

const json =
  (method: 'POST', url: string, payload: unknown, headers = {}) =>
  (remoteAddress: string) =>
    t.app.inject({ method, url, payload: payload as object, headers, remoteAddress });

describe('every rate-limited route answers 429 with the documented body and Retry-After', () => {
  it.each([
    [
      'POST /api/auth/sign-up',
      () =>
        json('POST', '/api/auth/sign-up', {
          email: `new-${randomUUID()}@example.org`,
          password: 'short',
          displayName: 'N',
        }),
      2,
    ],
    [
      'POST /api/auth/sign-in (per IP)',
      () =>
        json('POST', '/api/auth/sign-in', {
          email: `x-${randomUUID()}@example.org`,
          password: 'x',
        }),
      2,
    ],
    [
      'POST /api/auth/sign-in (per account)',
      () => {
        let n = 0;
        // A new address each time: only the account's own limit can refuse it.
        return () =>
          t.app.inject({
            method: 'POST',
            url: '/api/auth/sign-in',
            payload: { email: 'limits@example.org', password: 'wrong password' },
            remoteAddress: `10.8.0.${++n}`,
          });
      },
      2,
    ],
    [
      'POST /api/projects/:projectId/donations',
      () =>
        json(
          'POST',
          `/api/projects/${randomUUID()}/donations`,
          { amount: 5000, currency: 'CNY', email: 'giver@example.org' },
          { 'idempotency-key': randomUUID() },
        ),
      2,
    ],
    [
      'POST /api/acknowledgements/:code',
      () => json('POST', '/api/acknowledgements/AAAAA-BBBBB-CCCCC', {}),
      30,
    ],
    [
      'POST /api/acknowledgements/:code/photo',
      () => (remoteAddress: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/acknowledgements/AAAAA-BBBBB-CCCCC/photo',
          payload: samplePng,
          headers: { 'content-type': 'image/png' },
          remoteAddress,
        }),
      20,
    ],
    [
      'POST /api/orgs/:orgId/files',
      () => (remoteAddress: string) =>
        t.app.inject({
          method: 'POST',
          url: `/api/orgs/${orgId}/files`,
          payload: samplePng,
          headers: {
            'content-type': 'image/png',
            cookie: member.cookie,
            'x-csrf-token': member.csrf,
          },
          remoteAddress,
        }),
      2,
    ],
  ])('%s', async (_route, make, limit) => {
    const res = await untilRefused(make(), limit);
    expect(res.statusCode, res.body).toBe(429);
    expect(res.json()).toEqual({
      error: { code: 'rate_limited', message: expect.any(String) },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});
