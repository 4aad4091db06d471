import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import type { Config } from './config.js';
import { prepareStore } from './prepare-store.js';

/**
 * SERVER_PROCESSES > 1: this process becomes a node:cluster primary that serves no request
 * itself. It prepares the store once (prepareStore), forks the workers (each runs main.ts:
 * buildApp + listen; the cluster shares the port and hands connections round-robin), replaces
 * a worker that dies, and on SIGTERM/SIGINT asks every worker to close gracefully and exits
 * when they have.
 */

/** Set by the primary in each worker's environment: which slot (0…n-1) the worker fills. */
export const WORKER_SLOT_VAR = 'GOODTRACE_WORKER_SLOT';
/** The IPC message that asks a worker to close as it would on SIGTERM. */
export const SHUTDOWN_MESSAGE = 'goodtrace:shutdown';

/** A worker that dies sooner than this after its start counts as a crash loop: back off. */
const QUICK_EXIT_MS = 30_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** Workers close within 10 s (close-with-grace in main.ts); the primary waits a little longer. */
const STOP_TIMEOUT_MS = 15_000;

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  quickExits: number;
  restart: NodeJS.Timeout | undefined;
}

export async function runPrimary(config: Config): Promise<void> {
  const log = pino({
    level: config.logLevel,
    ...(config.env === 'development' ? { transport: { target: 'pino-pretty' } } : {}),
  });
  await prepareStore(config, log);

  const slots: Slot[] = Array.from({ length: config.serverProcesses }, () => ({
    worker: undefined,
    startedAt: 0,
    quickExits: 0,
    restart: undefined,
  }));
  let stopping = false;
  let failedStop = false;

  const fork = (i: number) => {
    const slot = slots[i]!;
    slot.restart = undefined;
    slot.startedAt = Date.now();
    slot.worker = cluster.fork({ [WORKER_SLOT_VAR]: String(i) });
  };

  cluster.on('exit', (worker, code, signal) => {
    const i = slots.findIndex((s) => s.worker === worker);
    if (i < 0) return;
    const slot = slots[i]!;
    slot.worker = undefined;
    if (stopping) {
      if (code !== 0) failedStop = true;
      if (slots.every((s) => !s.worker)) process.exit(failedStop ? 1 : 0);
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickExits = lived < QUICK_EXIT_MS ? slot.quickExits + 1 : 0;
    const delay =
      slot.quickExits === 0
        ? 0
        : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (slot.quickExits - 1));
    log.error(
      { pid: worker.process.pid, slot: i, code, signal, livedMs: lived, restartInMs: delay },
      'a server process exited; starting another',
    );
    slot.restart = setTimeout(() => fork(i), delay);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.error({ signal }, 'second signal: killing the server processes');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down the server processes');
    for (const s of slots) clearTimeout(s.restart);
    const live = slots.filter((s) => s.worker);
    if (live.length === 0) process.exit(0);
    for (const s of live) {
      // A worker closes on this message or on a signal of its own (Ctrl+C reaches the whole
      // process group): a signal from here as well would count as its second and cut it short.
      if (s.worker!.isConnected()) s.worker!.send(SHUTDOWN_MESSAGE);
      else s.worker!.process.kill('SIGTERM');
    }
    setTimeout(() => {
      log.error('server processes did not stop in time: killing them');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  log.info({ processes: slots.length, pid: process.pid }, 'starting the server processes');
  for (let i = 0; i < slots.length; i++) fork(i);
}
