// Checkpoints: C2SP tlog-checkpoint v1.0.0 (the note text a log signs).
//
//   <origin>\n          non-empty log identity, e.g. "example.com/log42"
//   <tree size>\n       ASCII decimal, no leading zeros ("0" for the empty tree)
//   <root hash>\n       standard base64 of the 32-byte RFC 9162 root
//   [<extension>\n]*    optional, opaque, non-empty lines (NOT RECOMMENDED by the spec)
//
// The signatures (the log's, then witness cosignatures) follow as a C2SP signed note; see note.ts.

import { decodeBase64, encodeBase64 } from './base64.js';
import { checkHash, checkObject, checkSize } from './bytes.js';
import { guard, LedgerError } from './errors.js';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function checkLine(line: unknown, what: string): string {
  if (typeof line !== 'string' || line.length === 0) {
    throw new LedgerError('malformed_checkpoint', `${what} must be a non-empty string`);
  }
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) < 0x20)
      throw new LedgerError('malformed_checkpoint', `control character in ${what}`);
  }
  return line;
}

/** Parses checkpoint text (the note text, without signature lines). */
export function parseCheckpoint(text: string): Checkpoint {
  return guard('malformed_checkpoint', () => {
    if (typeof text !== 'string')
      throw new LedgerError('malformed_checkpoint', 'checkpoint must be a string');
    if (!text.endsWith('\n'))
      throw new LedgerError('malformed_checkpoint', 'checkpoint must end in a newline');
    const lines = text.slice(0, -1).split('\n');
    if (lines.length < 3)
      throw new LedgerError('malformed_checkpoint', 'checkpoint needs origin, size and root lines');
    const [origin, sizeLine, rootLine, ...extensions] = lines as [
      string,
      string,
      string,
      ...string[],
    ];
    checkLine(origin, 'origin');
    if (!DECIMAL.test(sizeLine)) {
      throw new LedgerError(
        'malformed_checkpoint',
        'tree size must be decimal without leading zeros',
      );
    }
    const size = Number(sizeLine);
    if (sizeLine.length > 16 || !Number.isSafeInteger(size)) {
      throw new LedgerError('size_out_of_range', `tree size ${sizeLine} exceeds 2^53 - 1`);
    }
    let rootHash: Uint8Array;
    try {
      rootHash = decodeBase64(rootLine, 32);
    } catch (e) {
      throw new LedgerError(
        'malformed_checkpoint',
        'root hash must be canonical base64 of 32 bytes',
        { cause: e },
      );
    }
    for (const [i, line] of extensions.entries()) checkLine(line, `extension line ${i + 1}`);
    return { origin, size, rootHash, extensions };
  });
}

/** Formats checkpoint text; the inverse of parseCheckpoint. */
export function formatCheckpoint(args: {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions?: string[];
}): string {
  return guard('malformed_checkpoint', () => {
    checkObject(args, 'arguments');
    const origin = checkLine(args.origin, 'origin');
    const size = checkSize(args.size, 'size');
    const root = checkHash(args.rootHash, 'rootHash');
    const extensions = args.extensions ?? [];
    if (!Array.isArray(extensions))
      throw new LedgerError('invalid_argument', 'extensions must be an array');
    for (const [i, line] of extensions.entries()) checkLine(line, `extension line ${i + 1}`);
    return `${[origin, String(size), encodeBase64(root), ...extensions].join('\n')}\n`;
  });
}
