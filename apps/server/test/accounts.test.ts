import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, errorCode, startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let now = new Date('2026-11-26T08:00:00Z');
beforeAll(async () => {
  t = await startTestApp({ clock: () => now });
});
afterAll(() => t.close());

describe('accounts', () => {
  it('a person signs up, is signed in at once, signs out, and signs in again', async () => {
    const c = new Client(t.app);
    const up = await c.post('/api/auth/sign-up', {
      email: 'Ming@Example.org',
      password: 'a long enough secret',
      displayName: 'Wang Ming',
    });
    expect(up.statusCode).toBe(201);
    expect(up.json().user).toMatchObject({
      email: 'ming@example.org',
      displayName: 'Wang Ming',
      platformRole: null,
    });
    const cookie = up.cookies.find((k) => k.name === 'gt_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    expect((await c.get('/api/auth/session')).json().user.email).toBe('ming@example.org');

    expect((await c.post('/api/auth/sign-out')).statusCode).toBe(204);
    expect((await c.get('/api/auth/session')).json()).toEqual({ user: null, csrfToken: null });

    const again = await c.post('/api/auth/sign-in', {
      email: 'MING@example.org ',
      password: 'a long enough secret',
    });
    expect(again.statusCode, again.body).toBe(400); // trailing space is not an email
    const ok = await c.post('/api/auth/sign-in', {
      email: 'MING@example.org',
      password: 'a long enough secret',
    });
    expect(ok.statusCode).toBe(200);
    expect((await c.get('/api/me/orgs')).statusCode).toBe(200);
  });

  it('a signed-out session cookie no longer works', async () => {
    const c = await new Client(t.app).signUp('leaver@example.org');
    const old = c.cookie;
    await c.post('/api/auth/sign-out');
    c.cookie = old;
    const res = await c.get('/api/me/orgs');
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('unauthenticated');
  });

  it('a duplicate email is refused and creates nothing', async () => {
    await new Client(t.app).signUp('twice@example.org');
    const res = await new Client(t.app).post('/api/auth/sign-up', {
      email: 'TWICE@example.org',
      password: 'another fine password',
      displayName: 'Second',
    });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('email_taken');
    const rows = await t.database.db
      .selectFrom('users')
      .where('email', '=', 'twice@example.org')
      .selectAll()
      .execute();
    expect(rows).toHaveLength(1);
  });

  it.each([
    ['short', 'abc12'],
    ['common', '1234567890'],
    ['repetitive', 'aaaaaaaaaaaa'],
    ['contains the email name', 'weakling-password'],
  ])('a weak password (%s) is refused', async (_why, password) => {
    const res = await new Client(t.app).post('/api/auth/sign-up', {
      email: 'weakling@example.org',
      password,
      displayName: 'W',
    });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('weak_password');
    expect(
      await t.database.db
        .selectFrom('users')
        .where('email', '=', 'weakling@example.org')
        .select('id')
        .execute(),
    ).toEqual([]);
  });

  it('a wrong password and an unknown email get the same answer', async () => {
    await new Client(t.app).signUp('known@example.org');
    const wrong = await new Client(t.app).post('/api/auth/sign-in', {
      email: 'known@example.org',
      password: 'not the password',
    });
    const unknown = await new Client(t.app).post('/api/auth/sign-in', {
      email: 'nobody@example.org',
      password: 'not the password',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('an expired session is refused with a clear code and removed', async () => {
    const c = await new Client(t.app).signUp('expiring@example.org');
    now = new Date(now.getTime() + 15 * 24 * 3_600_000);
    try {
      const res = await c.get('/api/me/orgs');
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('unauthenticated');
      expect(res.json().error.message).toMatch(/expired/);
      expect((await c.get('/api/auth/session')).json().user).toBeNull();
    } finally {
      now = new Date('2026-11-26T08:00:00Z');
    }
  });

  it('a forged session cookie is treated as no session', async () => {
    const c = new Client(t.app);
    c.cookie = 'A'.repeat(43);
    expect(errorCode(await c.get('/api/me/orgs'))).toBe('unauthenticated');
    c.cookie = '../../etc/passwd';
    expect((await c.get('/api/me/orgs')).statusCode).toBe(401);
  });

  it('a cookie-authenticated write without the CSRF token is refused and changes nothing', async () => {
    const c = await new Client(t.app).signUp('csrf@example.org');
    const missing = await c.request('POST', '/api/auth/sign-out', undefined, {
      'x-csrf-token': '',
    });
    expect(missing.statusCode).toBe(403);
    expect(errorCode(missing)).toBe('csrf_failed');
    const wrong = await c.request('POST', '/api/auth/sign-out', undefined, {
      'x-csrf-token': 'x'.repeat(32),
    });
    expect(errorCode(wrong)).toBe('csrf_failed');
    expect((await c.get('/api/auth/session')).json().user.email).toBe('csrf@example.org');
  });

  it('a sign-in posted from another site is refused', async () => {
    await new Client(t.app).signUp('origin@example.org');
    const res = await new Client(t.app).request(
      'POST',
      '/api/auth/sign-in',
      { email: 'origin@example.org', password: 'correct horse battery' },
      { origin: 'https://evil.example' },
    );
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('csrf_failed');
  });
});

describe('sign-in rate limits', () => {
  it('limits attempts per account, whatever the IP', async () => {
    const limited = await startTestApp({
      env: { RATE_LIMIT_SIGNIN_PER_ACCOUNT: '3' },
      database: t.database,
    });
    try {
      const attempt = (ip: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          remoteAddress: ip,
          payload: { email: 'target@example.org', password: 'guess guess guess' },
        });
      for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
        expect((await attempt(ip)).statusCode).toBe(401);
      const fourth = await attempt('10.0.0.4');
      expect(fourth.statusCode).toBe(429);
      expect(errorCode(fourth)).toBe('rate_limited');
      expect(fourth.headers['retry-after']).toBeDefined();
    } finally {
      await limited.app.close();
    }
  });

  it('limits attempts per IP, whatever the account', async () => {
    const limited = await startTestApp({
      env: { RATE_LIMIT_SIGNIN_PER_IP: '3' },
      database: t.database,
    });
    try {
      const attempt = (email: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          remoteAddress: '10.9.9.9',
          payload: { email, password: 'guess guess guess' },
        });
      for (const e of ['a@x.org', 'b@x.org', 'c@x.org'])
        expect((await attempt(e)).statusCode).toBe(401);
      expect(errorCode(await attempt('d@x.org'))).toBe('rate_limited');
    } finally {
      await limited.app.close();
    }
  });
});
