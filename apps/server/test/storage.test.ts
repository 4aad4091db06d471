import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { DataDirLockedError } from '../src/db/lock.js';
import { migrateToLatest } from '../src/db/migrate.js';

const dirs: string[] = [];
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'goodtrace-storage-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('embedded storage (PGlite folder)', () => {
  it('keeps data across a restart, and a second opener of the folder is refused', async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ kind: 'pglite', dataDir });
    await migrateToLatest(first.db);
    await first.db
      .insertInto('users')
      .values({ email: 'kept@example.org', password_hash: 'x', display_name: 'Kept' })
      .execute();

    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toBeInstanceOf(
      DataDirLockedError,
    );

    await first.close();
    const second = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await migrateToLatest(second.db)).toEqual([]); // already up to date
      const rows = await second.db.selectFrom('users').select('email').execute();
      expect(rows).toEqual([{ email: 'kept@example.org' }]);
    } finally {
      await second.close();
    }
  });

  it('takes over a lock left behind by a process that died', async () => {
    const dataDir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    writeFileSync(join(dataDir, 'pglite.lock'), `${deadPid}@${hostname()}`);
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
  });

  it('refuses a lock held by a live process on this host', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'pglite.lock'), `${process.ppid}@${hostname()}`);
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(
      /in use by another process/,
    );
  });
});
