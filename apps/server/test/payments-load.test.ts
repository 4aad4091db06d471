import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loadPaymentProvider, sandboxSecretFile } from '../src/payments/load-provider.js';
import { createPaymentProvider } from '../src/payments/provider.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'goodtrace-payments-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const now = new Date('2026-11-26T08:00:00.000Z');
const clock = () => now;
const event = {
  kind: 'payment.succeeded' as const,
  providerRef: 'sbx_1',
  donationId: 'don_1',
  amount: 100,
  currency: 'CNY',
};

describe('loading the configured payment provider', () => {
  it('creates the sandbox secret on first start (0600) and keeps it, so callbacks survive a restart', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir }).payments;
    const before = loadPaymentProvider(config, dir, { clock });
    if (before.name !== 'sandbox') throw new Error('expected the sandbox');
    const file = sandboxSecretFile(dir);
    expect(file).toBe(join(dir, 'keys', 'sandbox-payments.secret'));
    expect(readFileSync(file, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const signed = before.signCallback(event);
    const after = loadPaymentProvider(config, dir, { clock });
    expect(after.parseWebhook(Buffer.from(signed.body), signed.headers)).toMatchObject(event);
    // Another data folder is another secret.
    const elsewhere = dataDir();
    expect(() =>
      loadPaymentProvider(config, elsewhere, { clock }).parseWebhook(
        Buffer.from(signed.body),
        signed.headers,
      ),
    ).toThrow(/does not verify/);
  });

  it('uses SANDBOX_PAYMENT_SECRET when given and writes no file', () => {
    const dir = dataDir();
    const secret = 's'.repeat(40);
    const config = loadConfig({ SANDBOX_PAYMENT_SECRET: secret }).payments;
    const a = loadPaymentProvider(config, dir, { clock });
    if (a.name !== 'sandbox') throw new Error('expected the sandbox');
    expect(() => statSync(sandboxSecretFile(dir))).toThrow(/ENOENT/);
    const signed = a.signCallback(event);
    const b = createPaymentProvider(config, { clock });
    expect(b.parseWebhook(Buffer.from(signed.body), signed.headers)?.providerRef).toBe('sbx_1');
  });

  it('refuses a sandbox secret file that has been emptied', () => {
    const dir = dataDir();
    const file = sandboxSecretFile(dir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '\n');
    expect(() =>
      loadPaymentProvider({ provider: 'sandbox', sandboxSecret: undefined }, dir),
    ).toThrow(/shorter than 32 characters/);
  });

  it('cannot build a sandbox without its secret except through loadPaymentProvider', () => {
    expect(() => createPaymentProvider({ provider: 'sandbox', sandboxSecret: undefined })).toThrow(
      /loadPaymentProvider/,
    );
  });

  it('builds Stripe from its keys and writes nothing to the data folder', () => {
    const dir = dataDir();
    const config = loadConfig({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
    }).payments;
    const provider = loadPaymentProvider(config, dir);
    expect(provider.name).toBe('stripe');
    expect(provider.testMode).toBe(false);
    expect(() => statSync(join(dir, 'keys'))).toThrow(/ENOENT/);
  });
});
