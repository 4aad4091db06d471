import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { servingPid } from './support/serving-pid.js';
import { adminUrl, databaseUrl } from './support/store.js';

/** The real server process, as `npm start` runs it: env config, PGlite folder, signals. */
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'goodtrace-process-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>, dir = dataDir) {
  const child = spawn(
    process.execPath,
    ['--conditions=@goodtrace/source', '--import', 'tsx', main],
    {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dir,
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 30_000) {
  for (const end = Date.now() + ms; !ok(); await sleep(50))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** The node processes whose parent is `pid` (tsx's esbuild helper is not one). */
function nodeChildren(pid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return ppid === pid && cmd.includes('main.ts') ? [Number(p)] : [];
      } catch {
        return [];
      }
    });
}

const postgresUrl = process.env.TEST_DATABASE_URL;

describe('SERVER_PROCESSES', () => {
  it('refuses more than one process on embedded storage and names the variable', async () => {
    const bad = start({ SERVER_PROCESSES: '2' });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('Configuration error: SERVER_PROCESSES');
    expect(bad.output()).toMatch(/needs PostgreSQL/);
  });

  it.skipIf(!postgresUrl)(
    'with 2 on PostgreSQL: prepares an empty database once, answers from two worker processes, replaces one that dies, takes a donation, and stops on SIGTERM',
    async () => {
      const name = `goodtrace_cluster_${randomUUID().slice(0, 8)}`;
      const admin = await openDatabase({
        kind: 'postgres',
        url: adminUrl(postgresUrl!),
        poolSize: 1,
      });
      await sql.raw(`create database ${name}`).execute(admin.db);
      const dir = mkdtempSync(join(tmpdir(), 'goodtrace-cluster-'));
      try {
        const server = start(
          {
            DATABASE_URL: databaseUrl(postgresUrl!, name),
            SERVER_PROCESSES: '2',
            SEED_DEMO: 'true',
          },
          dir,
        );
        const url = await server.listening;
        const listening = () => server.output().match(/Server listening at/g)?.length ?? 0;
        await until('both workers to listen', () => listening() === 2);
        // Migrations and demo data once, by the primary, not raced by the workers.
        expect(server.output().match(/"database migrated"/g)).toHaveLength(1);
        expect(server.output().match(/Seeded demo data/g)).toHaveLength(1);

        const workers = nodeChildren(server.child.pid!);
        expect(workers).toHaveLength(2);
        const served = new Set<number | undefined>();
        for (let i = 0; i < 20 && served.size < 2; i++) served.add(await servingPid(url, workers));
        expect([...served].sort()).toEqual([...workers].sort());

        // A worker killed outright is logged and replaced by a new one on the same port.
        process.kill(workers[0]!, 'SIGKILL');
        await until('a replacement worker', () => listening() === 3);
        expect(server.output()).toContain('a server process exited; starting another');
        const now = nodeChildren(server.child.pid!);
        expect(now).toHaveLength(2);
        expect(now).not.toContain(workers[0]);

        const projects = (await (await fetch(`${url}/api/projects`)).json()) as {
          items: { id: string }[];
        };
        const started = await fetch(`${url}/api/projects/${projects.items[0]!.id}/donations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ amount: 5000, currency: 'CNY', email: 'guest@example.org' }),
        });
        expect(started.status).toBe(201);
        const { donation, accessToken } = (await started.json()) as {
          donation: { id: string };
          accessToken: string;
        };
        const paid = await fetch(`${url}/api/payments/sandbox/${donation.id}/pay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: accessToken, outcome: 'succeeded' }),
        });
        expect(await paid.json()).toMatchObject({ outcome: 'credited' });

        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        expect(nodeChildren(server.child.pid!)).toEqual([]);
      } finally {
        await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
        await admin.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
