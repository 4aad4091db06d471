import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import {
  ADD_CHECKSUM_COMMAND,
  checkMigrations,
  computeChecksums,
  formatChecksums,
  MIGRATIONS_DIR,
  readCommittedChecksums,
  withNewChecksums,
} from '../src/db/migration-checksums.js';
import { HOLD_EPOCH_FUNCTION, TAKE_BATCH_FUNCTION } from '../src/ledger/take-batch.js';
import { createTestDatabase } from './support/database.js';

// Applied migrations are frozen texts: each is checked against the SHA-256 committed for it,
// imports nothing it could change through, and the live protocol they installed is the one
// the ledger context declares.

const dir = fileURLToPath(MIGRATIONS_DIR);
const migrationFiles = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('applied migrations are frozen', () => {
  it('every migration file has exactly the SHA-256 committed in migrations/CHECKSUMS', () => {
    const problems = checkMigrations(computeChecksums(), readCommittedChecksums());
    // The messages say what to do: add a new migration, or add a new one's checksum.
    expect(problems.map((p) => p.message).join('\n')).toBe('');
    expect(readCommittedChecksums().size).toBe(migrationFiles.length);
  });

  it('every migration is listed in migrate.ts, in name order', () => {
    const migrate = readFileSync(new URL('../src/db/migrate.ts', import.meta.url), 'utf8');
    const listed = [...migrate.matchAll(/^\s+'([^']+)': m\d+_\d+,$/gm)].map((m) => `${m[1]}.ts`);
    expect(listed).toEqual([...migrationFiles].sort());
  });

  it('a migration imports nothing but kysely and node: built-ins, so no later code can change what it runs', () => {
    for (const file of migrationFiles) {
      const text = readFileSync(join(dir, file), 'utf8');
      const from = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map(
        (m) => m[1],
      );
      const dynamic = [...text.matchAll(/\bimport\(/g)];
      expect({ file, from: from.filter((m) => m !== 'kysely' && !m!.startsWith('node:')) }).toEqual(
        { file, from: [] },
      );
      expect({ file, dynamic: dynamic.length }).toEqual({ file, dynamic: 0 });
      // Nothing but up and down leaves the file: nothing for later code to import.
      const exported = [
        ...text.matchAll(/^export\s+(?:async\s+)?(?:function|const|let|class)\s+(\w+)/gm),
      ]
        .map((m) => m[1])
        .sort();
      expect({ file, exported }).toEqual({ file, exported: ['down', 'up'] });
    }
  });
});

describe('the checksum list', () => {
  let scratch: string;
  const sum = (c: string) => c.repeat(64);
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'goodtrace-migrations-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('an edited migration fails with "applied migrations are frozen; add a new migration instead"', () => {
    const problems = checkMigrations(
      new Map([['2026-11-26-01-accounts.ts', sum('b')]]),
      new Map([['2026-11-26-01-accounts.ts', sum('a')]]),
    );
    expect(problems).toEqual([expect.objectContaining({ kind: 'changed' })]);
    expect(problems[0]!.message).toContain(
      'applied migrations are frozen; add a new migration instead',
    );
  });

  it('a new migration without a checksum fails with the command that adds it', () => {
    const problems = checkMigrations(
      new Map([
        ['2026-11-26-01-accounts.ts', sum('a')],
        ['2026-12-08-10-next.ts', sum('c')],
      ]),
      new Map([['2026-11-26-01-accounts.ts', sum('a')]]),
    );
    expect(problems).toEqual([expect.objectContaining({ kind: 'unlisted' })]);
    expect(problems[0]!.message).toContain(`\`${ADD_CHECKSUM_COMMAND}\``);
  });

  it('a listed migration that was deleted fails as frozen too', () => {
    const problems = checkMigrations(new Map(), new Map([['2026-11-26-01-accounts.ts', sum('a')]]));
    expect(problems).toEqual([expect.objectContaining({ kind: 'missing' })]);
  });

  it('writing adds the new migrations’ lines and keeps every other, in the sha256sum format', () => {
    const old = new Map([['2026-11-26-01-accounts.ts', sum('a')]]);
    const { sums, added } = withNewChecksums(
      new Map([...old, ['2026-12-08-10-next.ts', sum('c')]]),
      old,
    );
    expect(added).toEqual(['2026-12-08-10-next.ts']);
    writeFileSync(join(scratch, 'CHECKSUMS'), formatChecksums(sums));
    expect(readFileSync(join(scratch, 'CHECKSUMS'), 'utf8')).toBe(
      `${sum('a')}  2026-11-26-01-accounts.ts\n${sum('c')}  2026-12-08-10-next.ts\n`,
    );
    expect(readCommittedChecksums(scratch)).toEqual(sums);
  });

  it('writing refuses to replace the checksum of a changed migration', () => {
    expect(() =>
      withNewChecksums(
        new Map([['2026-11-26-01-accounts.ts', sum('b')]]),
        new Map([['2026-11-26-01-accounts.ts', sum('a')]]),
      ),
    ).toThrow('applied migrations are frozen; add a new migration instead');
  });

  it('the checksum is over the file’s bytes: one changed character is a changed migration', () => {
    const file = join(scratch, '2026-11-26-01-accounts.ts');
    writeFileSync(file, 'export async function up() {}\n');
    const before = computeChecksums(scratch);
    writeFileSync(file, 'export async function up() {} \n');
    expect(checkMigrations(computeChecksums(scratch), before)).toEqual([
      expect.objectContaining({ kind: 'changed' }),
    ]);
  });
});

describe('the take protocol the migrations installed is the one in src/ledger/take-batch.ts', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  /** A `create function … as $$ body $$` text's body, as PostgreSQL keeps it (pg_proc.prosrc). */
  const body = (text: string) => text.slice(text.indexOf('$$') + 2, text.lastIndexOf('$$'));

  it.each([
    ['ledger_take_batch', TAKE_BATCH_FUNCTION],
    ['ledger_outbox_hold_epoch', HOLD_EPOCH_FUNCTION],
  ])('%s is byte for byte the text in take-batch.ts', async (name, text) => {
    const { rows } = await sql<{ prosrc: string }>`
      select prosrc from pg_proc where proname = ${name}`.execute(database.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.prosrc).toBe(body(text));
  });
});
