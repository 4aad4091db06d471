// The server for the donations bench on PostgreSQL: src/main.ts in a child process, as
// `npm start` runs it, with SERVER_PROCESSES workers (1 = no cluster). The bench keeps its own
// database handle and an in-process app (sequencer off) for set-up and checks.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { servingPid } from '../test/support/serving-pid.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface ServerProcesses {
  url: string;
  /** The primary's pid (the only process when SERVER_PROCESSES is 1). */
  pid: number;
  /** CPU seconds so far of the primary and every process under it (workers, tsx's esbuild). */
  cpu(): number;
  /** SIGTERM, as a supervisor would; resolves with the exit code. */
  stop(): Promise<number | null>;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  cpu: number;
}

/** Every process's parent and CPU seconds (utime + stime, at 100 ticks a second), from /proc. */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      out.push({
        pid: Number(p),
        comm: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(f[1]),
        cpu: (Number(f[11]) + Number(f[12])) / 100,
      });
    } catch {}
  }
  return out;
}

function tree(root: number): Proc[] {
  const all = processes();
  const inTree = new Set([root]);
  // Parents come before children often but not always: repeat until nothing joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all)
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
  }
  return all.filter((p) => inTree.has(p.pid));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server and resolves once every worker takes connections (the cluster hands them
 * round-robin only to workers that listen, so a load started earlier would miss one).
 */
export async function startServerProcesses(opts: {
  processes: number;
  env: Record<string, string>;
}): Promise<ServerProcesses> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_SERVER_NODE_ARGS: extra flags for the server's node, e.g. --cpu-prof to profile it.
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--conditions=@goodtrace/source',
      '--import',
      'tsx',
      main,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...opts.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        SERVER_PROCESSES: String(opts.processes),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const pid = child.pid!;
  const deadline = Date.now() + 180_000;
  const check = () => {
    if (exitCode !== undefined)
      throw new Error(`the server exited with ${exitCode} while starting`);
    if (Date.now() > deadline) throw new Error('the server did not start in 180 s');
  };
  for (;;) {
    check();
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(200);
  }
  if (opts.processes > 1) {
    const seen = new Set<number>();
    while (seen.size < opts.processes) {
      check();
      const workers = tree(pid)
        .filter((p) => p.ppid === pid && p.comm === 'node')
        .map((p) => p.pid);
      const served = await servingPid(url, workers);
      if (served) seen.add(served);
      else await sleep(100);
    }
  }
  return {
    url,
    pid,
    cpu: () => tree(pid).reduce((s, p) => s + p.cpu, 0),
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}
