import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type LedgerErrorCode, parseVerifierKey } from '@goodtrace/ledger';
import { type Command, EXIT, type Io, parseCommandLine, UsageError } from './command.js';
import { fetchLogDescription, LogFetchError } from './log-trust.js';
import { type Trust, verifyReceiptDocument } from './verify-receipt.js';

const usage = `Usage:
  goodtrace verify <receipt.json> --log-key <key> [--witness <key> ...] [--quorum N] [--origin O]
  goodtrace verify <receipt.json> --log-url https://host [--quorum N]

Checks a Goodtrace receipt offline: the log's signature on the checkpoint, the witnesses'
cosignatures, the event's inclusion in the signed tree, and, for a donor's receipt file
({ "receipt": …, "donor": { "secret", "donationId" } }), that the donation is the donor's.

  --log-key <key>    the log's verifier key (name+id+base64), from a source you trust
  --witness <key>    a witness's verifier key; repeat for each witness you trust
  --quorum N         how many of those witnesses must have cosigned (default: all of them;
                     with --log-url, the server's own k-of-n policy)
  --origin O         the checkpoint's expected origin line
  --log-url <url>    take the log key, origin and witnesses from that Goodtrace server instead
                     (this trusts the operator's answer: check the keys elsewhere too)

Exit status: 0 valid, 1 invalid (the failing check is printed), 2 usage or fetch error.`;

/** Why a key given on the command line is refused. */
function checkKey(key: string, flag: string): void {
  try {
    parseVerifierKey(key);
  } catch (e) {
    throw new UsageError(`${flag} "${key}" is not a verifier key: ${(e as Error).message}`);
  }
}

/** Trust problems found by the ledger before looking at the receipt are the caller's mistake. */
const POLICY_ERRORS: LedgerErrorCode[] = ['ambiguous_key', 'invalid_argument', 'unknown_key_type'];

async function trustFrom(
  values: {
    'log-key'?: string;
    'log-url'?: string;
    witness?: string[];
    quorum?: string;
    origin?: string;
  },
  io: Io,
): Promise<Trust> {
  let quorum: number | undefined;
  if (values.quorum !== undefined) {
    if (!/^\d+$/.test(values.quorum)) throw new UsageError('--quorum must be a whole number');
    quorum = Number(values.quorum);
  }
  if (values['log-url'] !== undefined) {
    if (values['log-key'] !== undefined || values.witness !== undefined) {
      throw new UsageError('give either --log-url, or --log-key with --witness, not both');
    }
    let url: URL;
    try {
      url = new URL(values['log-url']);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    } catch {
      throw new UsageError(`--log-url "${values['log-url']}" is not an http(s) URL`);
    }
    const log = await fetchLogDescription(url.href, io.fetch);
    io.out(
      `! Trusting ${url.host}'s own answer for the log key ${log.logKey} and its ` +
        `${log.witnesses.length} witness key(s): compare them with a source you trust ` +
        '(a published key, a witness operator) for a verification that does not rest on the operator.',
    );
    const witnesses = log.witnesses.map((w) => w.verifierKey);
    return {
      logKey: log.logKey,
      witnesses,
      quorum: quorum ?? log.quorum ?? witnesses.length,
      origin: values.origin ?? log.origin,
    };
  }
  const logKey = values['log-key'];
  if (logKey === undefined) throw new UsageError('give the log key (--log-key) or --log-url');
  checkKey(logKey, '--log-key');
  const witnesses = values.witness ?? [];
  for (const w of witnesses) checkKey(w, '--witness');
  if (quorum !== undefined && quorum > witnesses.length) {
    throw new UsageError(
      `--quorum ${quorum} is more than the ${witnesses.length} witness(es) given`,
    );
  }
  return {
    logKey,
    witnesses,
    quorum: quorum ?? witnesses.length,
    ...(values.origin !== undefined ? { origin: values.origin } : {}),
  };
}

const options = {
  'log-key': { type: 'string' },
  'log-url': { type: 'string' },
  witness: { type: 'string', multiple: true },
  quorum: { type: 'string' },
  origin: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(argv, options);
  if (parsed.values.help) {
    io.out(usage);
    return EXIT.valid;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError('give exactly one receipt file');
  }
  const file = resolve(io.cwd, parsed.positionals[0]!);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let trust: Trust;
  try {
    trust = await trustFrom(parsed.values, io);
  } catch (e) {
    if (e instanceof LogFetchError) {
      io.err(`goodtrace verify: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (e) {
    io.out(`✗ receipt file: ${file} is not JSON (${(e as Error).message})`);
    io.out('INVALID');
    return EXIT.invalid;
  }
  const result = verifyReceiptDocument(document, trust);
  if (result.failure && POLICY_ERRORS.includes(result.failure.code as LedgerErrorCode)) {
    throw new UsageError(result.failure.message);
  }
  for (const check of result.checks) {
    io.out(`${check.ok ? '✓' : '✗'} ${check.label}${check.detail ? `: ${check.detail}` : ''}`);
  }
  io.out(result.valid ? 'VALID' : 'INVALID');
  return result.valid ? EXIT.valid : EXIT.invalid;
}

export const verifyCommand: Command = {
  summary: 'check a receipt offline against the log key and the witnesses you trust',
  usage,
  run,
};
