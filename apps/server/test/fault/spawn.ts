import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A server process spawned by a test, read line by line. Every spawned one is tracked. */
export interface Spawned {
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves with the first line matching `re` (now or later); rejects if the process exits first. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  output(): string;
}

export const serverMain = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
export const crashWorker = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));

const all = new Set<ChildProcess>();

/** SIGKILLs every process spawned here that is still running (for afterAll). */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const c of all) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(new Promise((r) => c.once('exit', r)));
      c.kill('SIGKILL');
    }
  }
  all.clear();
  await Promise.all(waits);
}

export function spawnServer(
  script: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
): Spawned {
  const child = spawn(
    process.execPath,
    ['--conditions=@goodtrace/source', '--import', 'tsx', script],
    {
      env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  all.add(child);
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      rest += chunk;
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        onLine?.(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          const m = line.match(waiters[i]!.re);
          if (m) {
            waiters[i]!.resolve(m);
            waiters.splice(i, 1);
          }
        }
      }
    });
  };
  onData(child.stdout!);
  onData(child.stderr!);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      all.delete(child);
      resolve(code);
    }),
  );
  const output = () => lines.join('\n');
  return {
    child,
    lines,
    exited,
    output,
    waitFor(re) {
      for (const line of lines) {
        const m = line.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        exited.then((code) =>
          // Let the last lines of output arrive before deciding.
          setTimeout(
            () => reject(new Error(`exited (${code}) before printing ${re}:\n${output()}`)),
            50,
          ),
        );
      });
    },
  };
}
