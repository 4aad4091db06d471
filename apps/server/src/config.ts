import { availableParallelism, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Configuration is read once, at the edge (server start or a CLI command), validated, and
 * passed down as a typed object. Nothing below this file reads `process.env`.
 */
export interface Config {
  /** `production` turns off demo data and pretty logs and insists on secure cookies. */
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /**
   * Server processes sharing the port (node:cluster): 1 runs the server in this process;
   * more make it a primary that prepares the store once and forks that many workers.
   * PostgreSQL only: embedded PGlite belongs to one process.
   */
  serverProcesses: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Folder for embedded storage (PGlite) and, later, evidence files and keys. */
  dataDir: string;
  /** When set, PostgreSQL at this URL is the store; otherwise PGlite under `dataDir/pglite`. */
  databaseUrl: string | undefined;
  /** Seed demo accounts and charities into an empty store. Never in production. */
  seedDemo: boolean;
  /** Mark session cookies `Secure`. Defaults to on in production (the site is behind TLS). */
  cookieSecure: boolean;
  /** Trust `X-Forwarded-*` from a reverse proxy (needed to see the client's IP and TLS). */
  trustProxy: boolean;
  sessionTtlHours: number;
  rateLimit: {
    /** Sign-in attempts per IP per minute. */
    signInPerIp: number;
    /** Sign-in attempts per account (email) per 15 minutes. */
    signInPerAccount: number;
    /** Sign-ups per IP per hour. */
    signUpPerIp: number;
    /** Donations started per IP per minute (guests can donate, so this bounds card testing). */
    donationsPerIp: number;
    /** Evidence files a charity's members upload per IP per minute (disk and bandwidth). */
    uploadsPerIp: number;
  };
  /** How often due monthly donations are charged. */
  monthlyChargeEveryMs: number;
  /** Folder holding the built web app (apps/web/dist); absent means API only. */
  webDistDir: string | undefined;
  ledger: LedgerConfig;
  files: FilesConfig;
  payments: PaymentsConfig;
}

export interface WitnessConfig {
  /** The witness's cosignature/v1 verifier key (`name+id+base64`); its name names the witness. */
  verifierKey: string;
  /** Its C2SP tlog-witness submission prefix: add-checkpoint is POSTed to `${url}/add-checkpoint`. */
  url: string;
}

export interface LedgerConfig {
  /** The checkpoint origin line and the signing key's name. */
  origin: string;
  /** The signing key itself (a secret; prefer signerKeyFile). */
  signerKey: string | undefined;
  /** File holding the signing key; created (0600) on first start if missing. */
  signerKeyFile: string;
  witnesses: WitnessConfig[];
  /**
   * How many witnesses must have cosigned a checkpoint before receipts use it (k of n):
   * receipts stay pending until one covering their event has. 0 lets the log's signature alone do.
   */
  quorum: number;
  /**
   * Send checkpoints to the witnesses from this process. Not an environment variable: a
   * cluster turns it off in all workers but one, because two clients of one witness each see
   * the other's newer checkpoint there and take it for a fork.
   */
  witnessClient: boolean;
  /** Run the sequencer in this process (at most one is active per database anyway). */
  sequencer: boolean;
  /** Most outbox rows sequenced in one transaction. */
  batchSize: number;
  /** How often an idle sequencer looks for new outbox rows. */
  pollMs: number;
}

/**
 * Which payment provider collects donations. The sandbox moves no money (test payments,
 * labelled as such); its callback secret, when not given, is kept under the data folder.
 */
export type PaymentsConfig =
  | { provider: 'sandbox'; sandboxSecret: string | undefined }
  | { provider: 'stripe'; stripeSecretKey: string; stripeWebhookSecret: string };

export interface FilesConfig {
  /** Folder of evidence files, content-addressed by SHA-256 (`ab/cd/abcd…`). */
  dir: string;
  /** Largest evidence file accepted, in bytes. */
  maxBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function databaseUrlVar(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL (expected postgres://user@host:port/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// (got ${url.protocol}//)`);
  }
  return raw;
}

function serverProcessesVar(env: Env, databaseUrl: string | undefined): number {
  const raw = env.SERVER_PROCESSES;
  const n = raw === 'auto' ? availableParallelism() : intVar(env, 'SERVER_PROCESSES', 1, 1, 64);
  if (!databaseUrl && (n > 1 || raw === 'auto')) {
    throw new ConfigError(
      'SERVER_PROCESSES',
      `more than one server process needs PostgreSQL (DATABASE_URL): embedded PGlite can only be opened by one process, got "${raw}"`,
    );
  }
  return n;
}

function originVar(env: Env): string {
  const origin = env.LOG_ORIGIN || `${hostname()}/goodtrace/log`;
  // A note key name: no whitespace, no '+'; C2SP asks for a schema-less URL.
  if (!/^[^\s+]+$/u.test(origin) || origin.includes('://')) {
    throw new ConfigError(
      'LOG_ORIGIN',
      `must be a schema-less URL without spaces or '+', got "${origin}"`,
    );
  }
  return origin;
}

function witnessesVar(env: Env): WitnessConfig[] {
  const raw = env.LOG_WITNESSES;
  if (!raw) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'LOG_WITNESSES',
      'must be JSON: [{"verifierKey": "name+id+key", "url": "https://…"}]',
    );
  }
  if (!Array.isArray(list)) throw new ConfigError('LOG_WITNESSES', 'must be a JSON array');
  return list.map((w, i) => {
    const item = w as Partial<WitnessConfig>;
    if (typeof item?.verifierKey !== 'string' || typeof item?.url !== 'string') {
      throw new ConfigError('LOG_WITNESSES', `entry ${i} needs "verifierKey" and "url" strings`);
    }
    try {
      const u = new URL(item.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      throw new ConfigError('LOG_WITNESSES', `entry ${i}: "${item.url}" is not an http(s) URL`);
    }
    return { verifierKey: item.verifierKey, url: item.url.replace(/\/+$/, '') };
  });
}

function quorumVar(env: Env, witnesses: WitnessConfig[]): number {
  const n = witnesses.length;
  const k = intVar(env, 'LOG_WITNESS_QUORUM', n, 0, Number.MAX_SAFE_INTEGER);
  if (k > n) {
    throw new ConfigError(
      'LOG_WITNESS_QUORUM',
      `must be between 0 and the ${n} witness(es) of LOG_WITNESSES, got ${k}`,
    );
  }
  return k;
}

function requiredVar(env: Env, name: string, pattern: RegExp, shape: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') throw new ConfigError(name, 'must be set');
  if (!pattern.test(raw)) throw new ConfigError(name, `must look like ${shape}`);
  return raw;
}

function paymentsVar(env: Env, production: boolean): PaymentsConfig {
  const provider = oneOf(env, 'PAYMENT_PROVIDER', ['sandbox', 'stripe'], 'sandbox');
  const allowSandbox = boolVar(env, 'ALLOW_SANDBOX_PAYMENTS', false);
  if (provider === 'stripe') {
    return {
      provider,
      stripeSecretKey: requiredVar(
        env,
        'STRIPE_SECRET_KEY',
        /^(sk|rk)_(test|live)_\S+$/,
        'sk_live_…',
      ),
      stripeWebhookSecret: requiredVar(env, 'STRIPE_WEBHOOK_SECRET', /^whsec_\S+$/, 'whsec_…'),
    };
  }
  // A production site that silently took test "donations" would mislead donors.
  if (production && !allowSandbox) {
    throw new ConfigError(
      'PAYMENT_PROVIDER',
      'the sandbox moves no money: in production set PAYMENT_PROVIDER=stripe (or ALLOW_SANDBOX_PAYMENTS=true for a demo site)',
    );
  }
  const secret = env.SANDBOX_PAYMENT_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('SANDBOX_PAYMENT_SECRET', 'must be at least 32 characters');
  }
  return { provider, sandboxSecret: secret };
}

/**
 * The folder relative paths (DATA_DIR, WEB_DIST_DIR) are resolved against: where the person
 * typed the command. `npm start` at the root runs the server inside apps/server, but npm
 * passes the original folder as INIT_CWD, so ./data means <repo>/data.
 */
export function invocationDir(env: Env = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/** Builds the configuration from environment variables; throws ConfigError naming the bad one. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';
  const dataDirRaw = env.DATA_DIR || './data';
  const seedDemo = boolVar(env, 'SEED_DEMO', !production);
  if (production && seedDemo) {
    throw new ConfigError('SEED_DEMO', 'demo data is never seeded in production');
  }
  const webDist = env.WEB_DIST_DIR;
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const keyFile = env.LOG_SIGNER_KEY_FILE;
  const filesDir = env.FILES_DIR;
  const databaseUrl = databaseUrlVar(env);
  const witnesses = witnessesVar(env);
  return {
    env: nodeEnv,
    host: env.HOST || '0.0.0.0',
    port: intVar(env, 'PORT', 3000, 0, 65535),
    serverProcesses: serverProcessesVar(env, databaseUrl),
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    dataDir,
    databaseUrl,
    seedDemo,
    cookieSecure: boolVar(env, 'COOKIE_SECURE', production),
    trustProxy: boolVar(env, 'TRUST_PROXY', false),
    sessionTtlHours: intVar(env, 'SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365),
    rateLimit: {
      signInPerIp: intVar(env, 'RATE_LIMIT_SIGNIN_PER_IP', 20, 1, 1_000_000),
      signInPerAccount: intVar(env, 'RATE_LIMIT_SIGNIN_PER_ACCOUNT', 10, 1, 1_000_000),
      signUpPerIp: intVar(env, 'RATE_LIMIT_SIGNUP_PER_IP', 30, 1, 1_000_000),
      donationsPerIp: intVar(env, 'RATE_LIMIT_DONATIONS_PER_IP', 120, 1, 10_000_000),
      uploadsPerIp: intVar(env, 'RATE_LIMIT_UPLOADS_PER_IP', 60, 1, 1_000_000),
    },
    monthlyChargeEveryMs: intVar(env, 'MONTHLY_CHARGE_EVERY_MS', 60_000, 10, 86_400_000),
    webDistDir: webDist ? resolve(cwd, webDist) : undefined,
    ledger: {
      origin: originVar(env),
      signerKey: env.LOG_SIGNER_KEY || undefined,
      signerKeyFile: keyFile ? resolve(cwd, keyFile) : join(dataDir, 'keys', 'log-signer.key'),
      witnesses,
      quorum: quorumVar(env, witnesses),
      witnessClient: true,
      sequencer: boolVar(env, 'LEDGER_SEQUENCER', true),
      batchSize: intVar(env, 'LEDGER_BATCH_SIZE', 2000, 1, 10_000),
      pollMs: intVar(env, 'LEDGER_POLL_MS', 10, 1, 60_000),
    },
    files: {
      dir: filesDir ? resolve(cwd, filesDir) : join(dataDir, 'files'),
      maxBytes: intVar(env, 'EVIDENCE_MAX_BYTES', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    },
    payments: paymentsVar(env, production),
  };
}
