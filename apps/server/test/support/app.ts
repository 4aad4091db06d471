import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cause } from '@goodtrace/contract';
import { generateSignerKey } from '@goodtrace/ledger';
import type { LightMyRequestResponse } from 'fastify';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  app: App;
  database: Database;
  close(): Promise<void>;
}

export const testLogOrigin = 'test.goodtrace.example/log';
/** The sandbox payment provider's signing secret in tests (so tests can sign callbacks too). */
export const testSandboxSecret = 'test-sandbox-secret-0123456789abcdef0123456789';
// One log key per database: every app started on the same database must sign with it.
const logKeys = new WeakMap<Database, string>();
function logKeyFor(database: Database): string {
  let key = logKeys.get(database);
  if (!key) {
    key = generateSignerKey(testLogOrigin).signerKey;
    logKeys.set(database, key);
  }
  return key;
}

/** A whole server on a fresh database of its own. Rate limits are high unless a test sets them. */
export async function startTestApp(
  opts: { env?: Record<string, string>; clock?: () => Date; database?: Database } = {},
): Promise<TestApp> {
  const database = opts.database ?? (await createTestDatabase());
  const filesDir = mkdtempSync(join(tmpdir(), 'goodtrace-files-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_SIGNIN_PER_IP: '100000',
    RATE_LIMIT_SIGNIN_PER_ACCOUNT: '100000',
    RATE_LIMIT_SIGNUP_PER_IP: '100000',
    LOG_ORIGIN: testLogOrigin,
    LOG_SIGNER_KEY: logKeyFor(database),
    LEDGER_POLL_MS: '5',
    SANDBOX_PAYMENT_SECRET: testSandboxSecret,
    FILES_DIR: filesDir,
    RATE_LIMIT_DONATIONS_PER_IP: '1000000',
    RATE_LIMIT_UPLOADS_PER_IP: '1000000',
    ...opts.env,
  });
  // Every answer is checked against its declared schema: a field the schema lacks would be
  // dropped by the serialiser without a sound. A mismatch fails its request (500) and the file.
  const mismatches: string[] = [];
  const app = await buildApp(config, {
    database,
    ...(opts.clock ? { clock: opts.clock } : {}),
    checkResponses: (mismatch) => {
      mismatches.push(mismatch);
      console.error(mismatch);
    },
  });
  return {
    app,
    database,
    async close() {
      await app.close();
      if (!opts.database) await database.close();
      rmSync(filesDir, { recursive: true, force: true });
      if (mismatches.length > 0) {
        throw new Error(
          `${mismatches.length} response(s) did not match their schema:\n${mismatches.join('\n')}`,
        );
      }
    },
  };
}

/**
 * A browser-like client over app.inject(): keeps the session cookie and sends the session's
 * CSRF token on writes, as the web app does.
 */
export class Client {
  cookie: string | undefined;
  csrfToken: string | undefined;
  userId: string | undefined;

  constructor(readonly app: App) {}

  async request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = `gt_session=${this.cookie}`;
    if (this.csrfToken && method !== 'GET' && !('x-csrf-token' in h))
      h['x-csrf-token'] = this.csrfToken;
    const res = await this.app.inject({
      method,
      url,
      headers: h,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const set = res.cookies.find((c) => c.name === 'gt_session');
    if (set) this.cookie = set.value || undefined;
    if (res.statusCode < 300 && res.headers['content-type']?.toString().includes('json')) {
      const json = res.json() as { csrfToken?: string; user?: { id: string } | null };
      if (json && typeof json === 'object' && 'csrfToken' in json) {
        this.csrfToken = json.csrfToken ?? undefined;
        this.userId = json.user?.id;
      }
    }
    return res;
  }

  get = (url: string) => this.request('GET', url);
  post = (url: string, body?: unknown) => this.request('POST', url, body);
  patch = (url: string, body?: unknown) => this.request('PATCH', url, body);
  delete = (url: string) => this.request('DELETE', url);

  async signUp(email: string, password = 'correct horse battery', displayName = 'Test Person') {
    const res = await this.post('/api/auth/sign-up', { email, password, displayName });
    if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
    return this;
  }

  async signIn(email: string, password = 'correct horse battery') {
    const res = await this.post('/api/auth/sign-in', { email, password });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    return this;
  }
}

/** Creates an account with a platform role directly in the store (the API never grants one). */
export async function createStaff(t: TestApp, email: string, role: 'admin' | 'auditor') {
  const client = await new Client(t.app).signUp(email);
  await t.database.db
    .updateTable('users')
    .set({ platform_role: role })
    .where('email', '=', email)
    .execute();
  return client;
}

/** A valid charity registration; `n` (any text) makes its name and number unique. */
export function sampleOrg(n: number | string, overrides: Record<string, unknown> = {}) {
  const tag = String(n).replace(/[^A-Za-z0-9]/g, '');
  return {
    name: `Charity ${n}`,
    registrationNumber: `REG-${tag}-${Math.random().toString(36).slice(2, 8)}`.toUpperCase(),
    city: 'Chengdu',
    cause: 'education' as Cause,
    contactEmail: `contact-${tag}@example.org`,
    description: 'Books and teachers for village schools.',
    ...overrides,
  };
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  try {
    return (res.json() as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
