import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSignerKey, parseSignerKey } from '@goodtrace/ledger';

/**
 * The log's Ed25519 signing key (Go sumdb/note encoding, `PRIVATE+KEY+name+id+base64`).
 * Taken from LOG_SIGNER_KEY (the key itself) or LOG_SIGNER_KEY_FILE; otherwise a key file
 * under the data folder, created with mode 0600 on first start. The key's name is the log's
 * origin, as C2SP tlog-checkpoint recommends, so a verifier can match them.
 */
export interface LogKey {
  signerKey: string;
  verifierKey: string;
  origin: string;
}

export class LogKeyError extends Error {
  override name = 'LogKeyError';
}

export function loadLogKey(opts: {
  origin: string;
  signerKey: string | undefined;
  keyFile: string;
  createIfMissing: boolean;
}): LogKey {
  let signerKey = opts.signerKey?.trim();
  if (!signerKey) {
    if (existsSync(opts.keyFile)) {
      signerKey = readFileSync(opts.keyFile, 'utf8').trim();
    } else if (opts.createIfMissing) {
      signerKey = generateSignerKey(opts.origin).signerKey;
      mkdirSync(dirname(opts.keyFile), { recursive: true, mode: 0o700 });
      writeFileSync(opts.keyFile, `${signerKey}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(opts.keyFile, 0o600);
    } else {
      throw new LogKeyError(
        `no log signing key: set LOG_SIGNER_KEY or LOG_SIGNER_KEY_FILE (${opts.keyFile})`,
      );
    }
  }
  let parsed: ReturnType<typeof parseSignerKey>;
  try {
    parsed = parseSignerKey(signerKey);
  } catch (err) {
    throw new LogKeyError(`the log signing key is malformed: ${(err as Error).message}`);
  }
  if (parsed.name !== opts.origin) {
    throw new LogKeyError(
      `the log signing key is named "${parsed.name}" but the log's origin is "${opts.origin}" (LOG_ORIGIN)`,
    );
  }
  return { signerKey, verifierKey: parsed.verifierKey, origin: opts.origin };
}
