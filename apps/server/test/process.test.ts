import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The real server process, as `npm start` runs it: env config, PGlite folder, signals. */
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'goodtrace-process-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--conditions=@goodtrace/source', '--import', 'tsx', main],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = out.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited before listening:\n${out}`));
    });
  });
  listening.catch(() => {}); // awaited only by the tests that expect the server to come up
  return { child, exited, listening, output: () => out };
}

describe('the server process', () => {
  it('starts on embedded storage, refuses a second process on the same folder, and stops cleanly on SIGTERM', async () => {
    const first = start({ SEED_DEMO: 'true' });
    const url = await first.listening;
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(first.output()).toContain('admin@goodtrace.demo / demo-admin-2026');

    const second = start({});
    expect(await second.exited).toBe(3);
    expect(second.output()).toMatch(/data folder is in use by another process/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

    // Restart on the same folder: the data is there and demo data is not seeded again.
    const third = start({ SEED_DEMO: 'true' });
    const url3 = await third.listening;
    const orgs = (await (await fetch(`${url3}/api/orgs`)).json()) as { total: number };
    expect(orgs.total).toBe(2);
    expect(third.output()).not.toContain('Seeded demo data');
    third.child.kill('SIGINT');
    expect(await third.exited).toBe(0);
  }, 60_000);

  it('refuses to start with a bad variable and names it', async () => {
    const bad = start({ PORT: 'eighty' });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('Configuration error: PORT: must be a whole number');
  });
});
