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
    });
  });

  it('production never seeds demo data and marks cookies Secure', () => {
    const c = loadConfig({ NODE_ENV: 'production' });
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
    ['LEDGER_BATCH_SIZE', '0', /LEDGER_BATCH_SIZE: must be between/],
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

  it('accepts a PostgreSQL URL', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/goodtrace' }).databaseUrl,
    ).toBe('postgres://postgres@127.0.0.1:5432/goodtrace');
  });
});
