// Which keys the audit checks the log with, and whether they are still the ones pinned on the
// first audit of this state folder. Keys taken from the server are only as good as the
// operator's word: the first audit says so loudly and pins them (trust on first use), so a
// later switch of key, witnesses or log is refused instead of silently followed.

import type { Pin } from './state.js';

export interface Trust {
  origin: string;
  logKey: string;
  witnesses: string[];
  /** The server's own k of n, when its keys are taken from it. */
  quorum?: number;
  /** The server's answer (GET /log/key and /api/log), or --log-key [--witness …]. */
  from: Pin['from'];
}

const sameList = (a: string[], b: string[]) =>
  [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * What differs from the pin, or null. Keys from the server must match the pin whole (origin,
 * log key, witnesses); keys given on the command line must name the pinned log and key (the
 * witnesses required are the caller's choice).
 */
export function pinMismatch(pin: Pin, trust: Trust, stateFile: string): string | null {
  const pinned = `pinned in ${stateFile} on ${pin.at} (${pin.from === 'server' ? "from the server's own answer" : 'from --log-key'})`;
  const given = trust.from === 'server' ? 'the server now hands out' : 'you gave';
  if (trust.origin !== pin.origin) {
    return `the log is now "${trust.origin}", not "${pin.origin}" as ${pinned}`;
  }
  if (trust.logKey !== pin.logKey) {
    return `${given} the log key ${trust.logKey}, not ${pin.logKey} as ${pinned}`;
  }
  if (trust.from === 'server' && !sameList(trust.witnesses, pin.witnesses)) {
    return `the server now names the witnesses [${trust.witnesses.join(', ')}], not [${pin.witnesses.join(', ')}] as ${pinned}`;
  }
  return null;
}

/** The warning printed whenever the keys come from the server rather than from the user. */
export function serverTrustWarning(trust: Trust, base: string, pin: Pin | null, stateFile: string) {
  const keys = `the log key ${trust.logKey} and ${trust.witnesses.length} witness key(s)`;
  if (pin === null) {
    return (
      `goodtrace audit: WARNING: no --log-key: trusting ${keys} that ${base} handed out itself. ` +
      'A dishonest operator could hand out keys of its own. They are pinned in ' +
      `${stateFile} on first use, and a later audit fails if they change; compare the key ` +
      'with one published elsewhere, or give --log-key.'
    );
  }
  return (
    `goodtrace audit: no --log-key: ${keys} from ${base}, the ones pinned on ${pin.at}` +
    `${pin.from === 'server' ? ' (also from the server, on first use)' : ''}.`
  );
}
