import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('has working defaults: port 3000, ./data, embedded storage, demo data outside production', () => {
    const c = loadConfig({}, '/srv/goodtrace');
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: '/srv/goodtrace/data',
      databaseUrl: undefined,
      seedDemo: true,
      cookieSecure: false,
      logLevel: 'info',
      serverProcesses: 1,
    });
  });

  it('production never seeds demo data and marks cookies Secure', () => {
    const c = loadConfig({ NODE_ENV: 'production', ALLOW_SANDBOX_PAYMENTS: 'true' });
    expect(c.seedDemo).toBe(false);
    expect(c.cookieSecure).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'true' })).toThrow(/SEED_DEMO/);
  });

  it.each([
    ['PORT', 'eighty', /PORT: must be a whole number/],
    ['PORT', '70000', /PORT: must be between/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: must be one of/],
    ['DATABASE_URL', 'mysql://x@y/z', /DATABASE_URL: must start with postgres/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL: is not a URL/],
    ['SEED_DEMO', 'maybe', /SEED_DEMO: must be true or false/],
    ['NODE_ENV', 'staging', /NODE_ENV: must be one of/],
    ['LOG_ORIGIN', 'https://example.org/log', /LOG_ORIGIN: must be a schema-less URL/],
    ['LOG_ORIGIN', 'two words', /LOG_ORIGIN: must be a schema-less URL/],
    ['LOG_WITNESSES', '{not json', /LOG_WITNESSES: must be JSON/],
    ['LOG_WITNESSES', '{"a":1}', /LOG_WITNESSES: must be a JSON array/],
    ['LOG_WITNESSES', '[{"url":"http://w.example"}]', /LOG_WITNESSES: entry 0 needs/],
    [
      'LOG_WITNESSES',
      '[{"verifierKey":"w+1+B","url":"ftp://w.example"}]',
      /LOG_WITNESSES: entry 0: .* is not an http/,
    ],
    ['LOG_WITNESS_QUORUM', 'two', /LOG_WITNESS_QUORUM: must be a whole number/],
    ['LOG_WITNESS_QUORUM', '1', /LOG_WITNESS_QUORUM: must be between 0 and the 0 witness/],
    ['LEDGER_BATCH_SIZE', '0', /LEDGER_BATCH_SIZE: must be between/],
    ['EVIDENCE_MAX_BYTES', '10MB', /EVIDENCE_MAX_BYTES: must be a whole number/],
    ['EVIDENCE_MAX_BYTES', '0', /EVIDENCE_MAX_BYTES: must be between/],
    ['PAYMENT_PROVIDER', 'paypal', /PAYMENT_PROVIDER: must be one of sandbox, stripe/],
    ['SANDBOX_PAYMENT_SECRET', 'short', /SANDBOX_PAYMENT_SECRET: must be at least 32/],
    ['ALLOW_SANDBOX_PAYMENTS', 'perhaps', /ALLOW_SANDBOX_PAYMENTS: must be true or false/],
    ['SERVER_PROCESSES', 'many', /SERVER_PROCESSES: must be a whole number/],
    ['SERVER_PROCESSES', '0', /SERVER_PROCESSES: must be between 1 and 64/],
    ['SERVER_PROCESSES', '65', /SERVER_PROCESSES: must be between 1 and 64/],
    ['SERVER_PROCESSES', '2', /SERVER_PROCESSES: more than one server process needs PostgreSQL/],
    ['SERVER_PROCESSES', 'auto', /SERVER_PROCESSES: more than one server process needs PostgreSQL/],
  ])('a bad %s (%s) is refused with a message naming it', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
  });

  it('names the log after the host and keeps its key under the data folder by default', () => {
    const c = loadConfig({ DATA_DIR: '/var/lib/goodtrace' });
    expect(c.ledger.origin).toMatch(/\/goodtrace\/log$/);
    expect(c.ledger.signerKeyFile).toBe('/var/lib/goodtrace/keys/log-signer.key');
    expect(c.ledger.witnesses).toEqual([]);
    const w = loadConfig({
      LOG_WITNESSES: '[{"verifierKey":"w.example+01020304+BAA","url":"https://w.example/api/"}]',
    });
    expect(w.ledger.witnesses).toEqual([
      { verifierKey: 'w.example+01020304+BAA', url: 'https://w.example/api' },
    ]);
  });

  it('keeps evidence files under the data folder, at most 10 MiB each, unless told otherwise', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/goodtrace' }).files).toEqual({
      dir: '/var/lib/goodtrace/files',
      maxBytes: 10 * 1024 * 1024,
    });
    expect(
      loadConfig({ FILES_DIR: 'evidence', EVIDENCE_MAX_BYTES: '1048576' }, '/srv/goodtrace').files,
    ).toEqual({ dir: '/srv/goodtrace/evidence', maxBytes: 1048576 });
  });

  it('accepts a PostgreSQL URL', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/goodtrace' }).databaseUrl,
    ).toBe('postgres://postgres@127.0.0.1:5432/goodtrace');
  });

  it('runs 1 to 64 server processes on PostgreSQL, or one per core with auto', () => {
    const pg = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/goodtrace' };
    expect(loadConfig(pg).serverProcesses).toBe(1);
    expect(loadConfig({ ...pg, SERVER_PROCESSES: '2' }).serverProcesses).toBe(2);
    expect(loadConfig({ ...pg, SERVER_PROCESSES: 'auto' }).serverProcesses).toBe(
      availableParallelism(),
    );
    expect(loadConfig({ SERVER_PROCESSES: '1' }).serverProcesses).toBe(1);
    expect(loadConfig(pg).ledger.witnessClient).toBe(true);
  });

  it('collects donations with the sandbox by default, its secret kept under the data folder', () => {
    expect(loadConfig({}).payments).toEqual({ provider: 'sandbox', sandboxSecret: undefined });
    const secret = 'a'.repeat(32);
    expect(loadConfig({ SANDBOX_PAYMENT_SECRET: secret }).payments).toEqual({
      provider: 'sandbox',
      sandboxSecret: secret,
    });
  });

  it('refuses the sandbox in production unless a demo site allows it', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('PAYMENT_PROVIDER');
    expect((error as Error).message).toMatch(/sandbox moves no money/);
    expect(
      loadConfig({ NODE_ENV: 'production', ALLOW_SANDBOX_PAYMENTS: 'true' }).payments.provider,
    ).toBe('sandbox');
  });

  it('takes Stripe with both of its keys, naming the one missing or malformed', () => {
    const stripe = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_xyz789',
    };
    expect(loadConfig({ ...stripe, NODE_ENV: 'production' }).payments).toEqual({
      provider: 'stripe',
      stripeSecretKey: 'sk_live_abc123',
      stripeWebhookSecret: 'whsec_xyz789',
    });
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ STRIPE_SECRET_KEY: '' }, 'STRIPE_SECRET_KEY', /must be set/],
      [{ STRIPE_SECRET_KEY: 'pk_live_abc' }, 'STRIPE_SECRET_KEY', /must look like sk_/],
      [{ STRIPE_WEBHOOK_SECRET: '' }, 'STRIPE_WEBHOOK_SECRET', /must be set/],
      [{ STRIPE_WEBHOOK_SECRET: 'secret' }, 'STRIPE_WEBHOOK_SECRET', /must look like whsec_/],
    ];
    for (const [change, variable, message] of cases) {
      let error: unknown;
      try {
        loadConfig({ ...stripe, ...change });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message).toMatch(message);
    }
  });
});
