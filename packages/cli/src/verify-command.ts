import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  isVerifyError,
  parseTrust,
  type Trust,
  type TrustInput,
  verifyCommandLine,
  verifyReceiptFile,
} from '@goodtrace/verify';
import { type Command, EXIT, type Io, parseCommandLine, UsageError } from './command.js';
import { fetchLogDescription, LogFetchError } from './log-trust.js';
import { checkLines, eventLine, verdictLine } from './verify-receipt.js';

const usage = `Usage:
  goodtrace verify <receipt.json> --log-key <key> [--witness <key> ...] [--quorum N] [--origin O]
  goodtrace verify <receipt.json> --log-url https://host [--quorum N] [--origin O]

From a checkout of Goodtrace (after npm install), run it as
  ${verifyCommandLine('https://host')}

Checks a Goodtrace receipt offline: the log's signature on the checkpoint, the witnesses'
cosignatures, the event's inclusion in the signed tree, and, for a donor's receipt file
({ "receipt": …, "donor": { "secret", "donationId" } }), that the donation is the donor's.
The donor's page in the browser makes the same checks (@goodtrace/verify).

  --log-key <key>    the log's verifier key (name+id+base64), from a source you trust
  --witness <key>    a witness's verifier key; repeat for each witness you trust
  --quorum N         how many of those witnesses must have cosigned (default: all of them;
                     with --log-url, the server's own k-of-n policy)
  --origin O         the checkpoint's expected origin line (with --log-url, the server's)
  --log-url <url>    take the log key, origin and witnesses from that Goodtrace server instead
                     (this trusts the operator's answer: check the keys elsewhere too)

Exit status: 0 valid, 1 not valid (the failing check is printed; a checkpoint not yet
cosigned by the quorum is not valid yet), 2 usage or fetch error.`;

/** The flag a trust input came from, for a usage error that names it. */
function flagOf(field: string | undefined): string {
  if (field === 'logKey') return '--log-key';
  if (field?.startsWith('witnesses')) return '--witness';
  if (field === 'quorum') return '--quorum';
  return 'the trust';
}

/** A trust the reader gave is theirs to fix: a usage error that names the flag. */
function parseGivenTrust(input: TrustInput): Trust {
  try {
    return parseTrust(input);
  } catch (e) {
    if (!isVerifyError(e)) throw e;
    if (e.code === 'quorum_out_of_range') {
      throw new UsageError(
        `--quorum ${input.quorum} is more than the ${input.witnesses.length} witness(es) given`,
      );
    }
    throw new UsageError(
      e.code === 'malformed_key' ? `${flagOf(e.field)} ${e.message}` : e.message,
    );
  }
}

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
  const origin = values.origin;
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
    const k = quorum ?? log.quorum;
    return parseGivenTrust({
      logKey: log.logKey,
      witnesses: log.witnesses.map((w) => w.verifierKey),
      origin: origin ?? log.origin,
      ...(k === undefined ? {} : { quorum: k }),
    });
  }
  const logKey = values['log-key'];
  if (logKey === undefined) throw new UsageError('give the log key (--log-key) or --log-url');
  return parseGivenTrust({
    logKey,
    witnesses: values.witness ?? [],
    ...(quorum === undefined ? {} : { quorum }),
    ...(origin === undefined ? {} : { origin }),
  });
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
  const result = verifyReceiptFile(document, trust);
  for (const line of checkLines(result)) io.out(line);
  const event = eventLine(result);
  if (event !== undefined) io.out(event);
  io.out(verdictLine(result));
  return result.state === 'verified' ? EXIT.valid : EXIT.invalid;
}

export const verifyCommand: Command = {
  summary: 'check a receipt offline against the log key and the witnesses you trust',
  usage,
  run,
};
