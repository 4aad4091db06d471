// Applied migrations are frozen: a database that ran a migration never runs it again, so a
// changed text would make two databases of the same version differ. Each migration file's
// SHA-256 is committed in migrations/CHECKSUMS (the format of `sha256sum`, so
// `cd apps/server/src/db/migrations && sha256sum -c CHECKSUMS` checks it too), and a test
// compares them. A new migration's line is added with `npm run migrations:checksums -- --write`,
// which never changes a line already there.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
export const CHECKSUMS_FILE = 'CHECKSUMS';
export const ADD_CHECKSUM_COMMAND = 'npm run migrations:checksums -- --write';

/** A migration file name: the date, a two-digit sequence number, what it does. */
const MIGRATION_FILE = /^\d{4}-\d{2}-\d{2}-\d{2}-[a-z0-9-]+\.ts$/;

/** Each migration file's SHA-256 (hex) over its bytes, by file name, in name order. */
export function computeChecksums(dir: string | URL = MIGRATIONS_DIR): Map<string, string> {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const sums = new Map<string, string>();
  for (const file of readdirSync(path).sort()) {
    if (!file.endsWith('.ts')) continue;
    sums.set(
      file,
      createHash('sha256')
        .update(readFileSync(join(path, file)))
        .digest('hex'),
    );
  }
  return sums;
}

/** The committed list: `<sha256>  <file>` per line, as sha256sum writes it. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [n, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!m) throw new Error(`${CHECKSUMS_FILE} line ${n + 1} is not "<sha256>  <file>": ${line}`);
    sums.set(m[2]!, m[1]!);
  }
  return sums;
}

export function formatChecksums(sums: Map<string, string>): string {
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([file, sum]) => `${sum}  ${file}\n`)
    .join('');
}

export function readCommittedChecksums(dir: string | URL = MIGRATIONS_DIR): Map<string, string> {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  let text: string;
  try {
    text = readFileSync(join(path, CHECKSUMS_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  return parseChecksums(text);
}

export interface ChecksumProblem {
  file: string;
  kind: 'changed' | 'unlisted' | 'missing' | 'misnamed';
  message: string;
}

/** What differs between the migration files and the committed list, each with what to do. */
export function checkMigrations(
  files: Map<string, string>,
  committed: Map<string, string>,
): ChecksumProblem[] {
  const problems: ChecksumProblem[] = [];
  for (const [file, sum] of files) {
    const listed = committed.get(file);
    if (!MIGRATION_FILE.test(file)) {
      problems.push({
        file,
        kind: 'misnamed',
        message: `${file} is not named <yyyy>-<mm>-<dd>-<nn>-<what>.ts like every migration`,
      });
    }
    if (listed === undefined) {
      problems.push({
        file,
        kind: 'unlisted',
        message:
          `${file} has no checksum in ${CHECKSUMS_FILE}: a new migration's checksum is added with ` +
          `\`${ADD_CHECKSUM_COMMAND}\` (it appends the new line and never changes another); commit ` +
          `${CHECKSUMS_FILE} with the migration`,
      });
    } else if (listed !== sum) {
      problems.push({
        file,
        kind: 'changed',
        message:
          `${file} changed (SHA-256 ${sum}, committed ${listed}): applied migrations are frozen; ` +
          'add a new migration instead (restore this file with `git checkout -- <file>`)',
      });
    }
  }
  for (const file of committed.keys()) {
    if (!files.has(file)) {
      problems.push({
        file,
        kind: 'missing',
        message: `${file} is listed in ${CHECKSUMS_FILE} but gone: applied migrations are frozen; add a new migration instead`,
      });
    }
  }
  return problems;
}

/**
 * The committed list with a line added for each migration that has none. Refuses (throws) when
 * a listed migration changed or disappeared: that is never fixed by writing a new checksum.
 */
export function withNewChecksums(
  files: Map<string, string>,
  committed: Map<string, string>,
): { sums: Map<string, string>; added: string[] } {
  const refused = checkMigrations(files, committed).filter(
    (p) => p.kind === 'changed' || p.kind === 'missing' || p.kind === 'misnamed',
  );
  if (refused.length > 0) throw new Error(refused.map((p) => p.message).join('\n'));
  const sums = new Map(committed);
  const added: string[] = [];
  for (const [file, sum] of files) {
    if (sums.has(file)) continue;
    sums.set(file, sum);
    added.push(file);
  }
  return { sums, added };
}
