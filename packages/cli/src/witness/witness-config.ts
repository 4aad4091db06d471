import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { KEY_TYPE_ED25519, parseVerifierKey, type Verifier } from '@goodtrace/ledger';
import { UsageError } from '../command.js';

/** How a witness is set up: from flags, a JSON file, or both (flags win). */
export interface WitnessConfig {
  name: string | undefined;
  keyFile: string;
  stateDir: string;
  host: string;
  port: number;
  /** origin → the log's trusted Ed25519 verifier keys. */
  logs: Map<string, Verifier[]>;
}

export interface WitnessFlags {
  config?: string;
  name?: string;
  'key-file'?: string;
  'state-dir'?: string;
  listen?: string;
  log?: string[];
}

interface FileConfig {
  name?: unknown;
  keyFile?: unknown;
  stateDir?: unknown;
  listen?: unknown;
  logs?: unknown;
}

export const DEFAULT_LISTEN = '127.0.0.1:7380';
export const DEFAULT_STATE_DIR = 'witness-data';

/** Reads the flags (and the JSON file they name) into a checked WitnessConfig. */
export async function loadWitnessConfig(flags: WitnessFlags, cwd: string): Promise<WitnessConfig> {
  let file: FileConfig = {};
  let fileDir = cwd;
  if (flags.config !== undefined) {
    const path = resolve(cwd, flags.config);
    fileDir = dirname(path);
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as FileConfig;
    } catch (e) {
      throw new UsageError(`--config ${flags.config}: ${(e as Error).message}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) {
      throw new UsageError(`--config ${flags.config}: must be a JSON object`);
    }
  }
  const str = (v: unknown, what: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new UsageError(`${what} must be a string`);
    return v;
  };
  const name = flags.name ?? str(file.name, '"name"');
  const fromFile = (v: unknown, what: string) => {
    const s = str(v, what);
    return s === undefined ? undefined : isAbsolute(s) ? s : join(fileDir, s);
  };
  const stateDir = flags['state-dir']
    ? resolve(cwd, flags['state-dir'])
    : (fromFile(file.stateDir, '"stateDir"') ?? resolve(cwd, DEFAULT_STATE_DIR));
  const keyFile = flags['key-file']
    ? resolve(cwd, flags['key-file'])
    : (fromFile(file.keyFile, '"keyFile"') ?? join(stateDir, 'witness.key'));
  const { host, port } = parseListen(
    flags.listen ?? str(file.listen, '"listen"') ?? DEFAULT_LISTEN,
  );

  const logs = new Map<string, Verifier[]>();
  const add = (origin: string | undefined, key: string, where: string) => {
    let verifier: Verifier;
    try {
      verifier = parseVerifierKey(key);
    } catch (e) {
      throw new UsageError(`${where}: "${key}" is not a verifier key: ${(e as Error).message}`);
    }
    if (verifier.type !== KEY_TYPE_ED25519) {
      throw new UsageError(`${where}: a log's key must be an Ed25519 (0x01) note key`);
    }
    const o = origin ?? verifier.name;
    if (o === '' || /[\n]/.test(o)) throw new UsageError(`${where}: "${o}" is not an origin`);
    const list = logs.get(o) ?? [];
    if (!list.some((v) => v.verifierKey === verifier.verifierKey)) list.push(verifier);
    logs.set(o, list);
  };
  if (file.logs !== undefined) {
    if (!Array.isArray(file.logs)) throw new UsageError('"logs" must be an array');
    file.logs.forEach((entry: unknown, i) => {
      const e = (entry ?? {}) as {
        origin?: unknown;
        verifierKey?: unknown;
        verifierKeys?: unknown;
      };
      const origin = str(e.origin, `"logs"[${i}].origin`);
      const keys = e.verifierKeys ?? (e.verifierKey === undefined ? undefined : [e.verifierKey]);
      if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string')) {
        throw new UsageError(`"logs"[${i}] needs "verifierKey" or "verifierKeys" (strings)`);
      }
      for (const k of keys as string[]) add(origin, k, `"logs"[${i}]`);
    });
  }
  for (const value of flags.log ?? []) {
    // origin=key: an origin never holds '+', a verifier key always does (before its '=').
    const eq = value.indexOf('=');
    const split = eq > 0 && !value.slice(0, eq).includes('+');
    add(split ? value.slice(0, eq) : undefined, split ? value.slice(eq + 1) : value, '--log');
  }
  return { name, keyFile, stateDir, host, port, logs };
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new UsageError(`--listen "${listen}" must be host:port (port 0 picks a free one)`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
