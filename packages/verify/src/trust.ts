// Whom to trust: the log's key (and origin), the witnesses' keys and how many must have
// cosigned (k of n) — given by hand (the CLI's --log-key/--witness/--quorum) or read from what
// a Goodtrace server publishes (GET /log/key and GET /api/log). Parsed once, up front, so a
// key that does not parse or is trusted twice is the caller's error, never a receipt's.

import {
  isLedgerError,
  parseTrustPolicy,
  parseVerifierKey,
  type TrustPolicy,
  type Verifier,
} from '@goodtrace/ledger';
import { VerifyError } from './errors.js';

/** A trust whose keys parsed, whose quorum is in [0, witnesses.length] and that has no key twice. */
export interface Trust {
  logKey: Verifier;
  witnesses: Verifier[];
  /** How many of the witnesses must have cosigned a checkpoint (k of n). */
  quorum: number;
  /** The checkpoint's expected origin line; recommended (a key may sign for several logs). */
  origin?: string;
}

/** Trust as a person or a program gives it: key strings (or parsed keys). */
export interface TrustInput {
  logKey: string | Verifier;
  witnesses: readonly (string | Verifier)[];
  /** Default: every witness. */
  quorum?: number;
  origin?: string;
}

function parseKey(key: string | Verifier, field: string): Verifier {
  if (typeof key !== 'string') return key;
  try {
    return parseVerifierKey(key);
  } catch (e) {
    const why = isLedgerError(e) ? e.message : 'does not parse';
    throw new VerifyError('malformed_key', `"${key}" is not a verifier key: ${why}`, {
      cause: e,
      field,
    });
  }
}

/**
 * Parses a trust: every key must parse (`malformed_key`, with `field` naming it), the quorum
 * must be a whole number from 0 to the number of witnesses (`quorum_out_of_range`), and no
 * public key may be trusted twice (`ambiguous_key`: one party, one vote). Throws a VerifyError.
 */
export function parseTrust(input: TrustInput): Trust {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.witnesses)) {
    throw new VerifyError(
      'invalid_argument',
      'trust must be { logKey, witnesses, quorum?, origin? }',
    );
  }
  const logKey = parseKey(input.logKey, 'logKey');
  const witnesses = input.witnesses.map((w, i) => parseKey(w, `witnesses[${i}]`));
  const quorum = input.quorum ?? witnesses.length;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new VerifyError(
      'quorum_out_of_range',
      `a quorum of ${quorum} is not a whole number from 0 to the ${witnesses.length} witness(es) trusted`,
      { field: 'quorum' },
    );
  }
  if (input.origin !== undefined && typeof input.origin !== 'string') {
    throw new VerifyError('invalid_argument', 'origin must be a string', { field: 'origin' });
  }
  const policy: TrustPolicy = {
    logKey,
    witnesses,
    quorum,
    ...(input.origin === undefined ? {} : { origin: input.origin }),
  };
  try {
    parseTrustPolicy(policy);
  } catch (e) {
    if (isLedgerError(e, 'ambiguous_key')) {
      throw new VerifyError('ambiguous_key', e.message, { cause: e, field: 'witnesses' });
    }
    throw new VerifyError('invalid_argument', (e as Error).message, { cause: e });
  }
  return policy as Trust;
}

/** What a Goodtrace server says about its own log (GET /log/key with GET /api/log). */
export interface LogDescription {
  origin: string;
  /** The log's verifier key, as both answers name it. */
  logKey: string;
  witnesses: { name: string; verifierKey: string }[];
  /** The server's k-of-n policy (how many cosign before it hands out a receipt), when it names a usable one. */
  quorum?: number;
}

/**
 * Reads the server's two answers about its log: the text of GET /log/key and the JSON of GET
 * /api/log must name the same log key (`key_mismatch`), /api/log must carry the origin and the
 * witness list (`malformed_log_description`), and every key must parse (`malformed_key`). A
 * quorum that is not a whole number from 0 to the number of witnesses is left out, so that
 * every witness is required.
 *
 * This still trusts the operator's answer: a dishonest operator can serve its own keys. The
 * two answers must at least agree.
 */
export function readLogDescription(keyText: string, info: unknown): LogDescription {
  const i = (typeof info === 'object' && info !== null && !Array.isArray(info) ? info : {}) as {
    origin?: unknown;
    verifierKey?: unknown;
    witnesses?: unknown;
    quorum?: unknown;
  };
  if (typeof i.origin !== 'string' || !Array.isArray(i.witnesses)) {
    throw new VerifyError(
      'malformed_log_description',
      'the log description lacks the origin or the witness list',
    );
  }
  const logKey = typeof keyText === 'string' ? keyText.trim() : '';
  if (i.verifierKey !== logKey) {
    throw new VerifyError(
      'key_mismatch',
      'the log key and the log description name different keys',
    );
  }
  parseKey(logKey, 'logKey');
  const witnesses = i.witnesses.map((w, n) => {
    const key = (w as { verifierKey?: unknown } | null)?.verifierKey;
    if (typeof key !== 'string') {
      throw new VerifyError('malformed_log_description', `witness ${n} has no verifier key`, {
        field: `witnesses[${n}]`,
      });
    }
    return { name: parseKey(key, `witnesses[${n}]`).name, verifierKey: key };
  });
  const q = i.quorum;
  const quorum =
    typeof q === 'number' && Number.isSafeInteger(q) && q >= 0 && q <= witnesses.length
      ? q
      : undefined;
  return { origin: i.origin, logKey, witnesses, ...(quorum === undefined ? {} : { quorum }) };
}

/**
 * The trust a page takes from the server it is served by: the log key both answers name, its
 * origin, its witnesses, and as many cosignatures as the server's k-of-n policy says (its
 * receipts wait for that many), or every witness when it names none.
 */
export function trustFromLog(keyText: string, info: unknown): Trust {
  const log = readLogDescription(keyText, info);
  return parseTrust({
    logKey: log.logKey,
    witnesses: log.witnesses.map((w) => w.verifierKey),
    origin: log.origin,
    ...(log.quorum === undefined ? {} : { quorum: log.quorum }),
  });
}
