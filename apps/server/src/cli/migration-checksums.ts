import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHECKSUMS_FILE,
  checkMigrations,
  computeChecksums,
  formatChecksums,
  MIGRATIONS_DIR,
  readCommittedChecksums,
  withNewChecksums,
} from '../db/migration-checksums.js';

/**
 * `npm run migrations:checksums`: prints every migration's SHA-256 and what differs from the
 * committed list (exit 1 if anything does). With `--write`, adds the line of each new migration
 * to migrations/CHECKSUMS; it refuses when a listed migration changed (they are frozen).
 */
const write = process.argv.includes('--write');
const files = computeChecksums();
const committed = readCommittedChecksums();
const target = join(fileURLToPath(MIGRATIONS_DIR), CHECKSUMS_FILE);
if (write) {
  try {
    const { sums, added } = withNewChecksums(files, committed);
    writeFileSync(target, formatChecksums(sums));
    console.log(
      added.length > 0
        ? `Added to ${target}:\n${added.map((f) => `  ${sums.get(f)}  ${f}`).join('\n')}`
        : `${target} already lists every migration.`,
    );
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
} else {
  process.stdout.write(formatChecksums(files));
  const problems = checkMigrations(files, committed);
  for (const p of problems) console.error(p.message);
  if (problems.length > 0) process.exitCode = 1;
}
