import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PaymentsConfig } from '../config.js';
import {
  type ConfiguredPaymentProvider,
  createPaymentProvider,
  type PaymentProviderOptions,
} from './provider.js';

/** Where the sandbox keeps its callback secret when SANDBOX_PAYMENT_SECRET is not set. */
export function sandboxSecretFile(dataDir: string): string {
  return join(dataDir, 'keys', 'sandbox-payments.secret');
}

/**
 * The sandbox's callback secret from its file, created (32 random bytes, hex, mode 0600) on
 * first start. Kept on disk rather than made afresh each start so that a callback signed
 * before a restart still verifies after it.
 */
export function loadSandboxSecret(file: string): string {
  try {
    if (!existsSync(file)) writeSecret(file);
  } catch (err) {
    // Already there (or another process of the same data folder won the race): read it.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new Error(`the sandbox payment secret in ${file} is shorter than 32 characters`);
  }
  return secret;
}

/** Written aside and linked into place, so no process ever reads a half-written secret. */
function writeSecret(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } finally {
    unlinkSync(temp);
  }
}

/**
 * The configured payment provider, ready to use: what the app calls at start with
 * `config.payments` and `config.dataDir`.
 */
export function loadPaymentProvider(
  config: PaymentsConfig,
  dataDir: string,
  opts: PaymentProviderOptions = {},
): ConfiguredPaymentProvider {
  if (config.provider === 'sandbox' && !config.sandboxSecret) {
    return createPaymentProvider(
      { ...config, sandboxSecret: loadSandboxSecret(sandboxSecretFile(dataDir)) },
      opts,
    );
  }
  return createPaymentProvider(config, opts);
}
