import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBase64, encodeBase64 } from '@goodtrace/ledger';

/** What the witness holds for one log: the latest checkpoint it cosigned. */
export interface LogState {
  size: number;
  rootHash: Uint8Array;
  /** The checkpoint as cosigned: its text, the log's signature(s) and our cosignature. */
  note: string;
  /** The cosignature's timestamp (POSIX seconds); the next one is never earlier. */
  timestamp: number;
}

interface StateFile {
  version: 1;
  logs: Record<string, { size: number; rootHash: string; note: string; timestamp: number }>;
}

/** Hooks that let a test stop a commit where a crash could (the disk keeps what was done). */
export interface StateFaults {
  /** After the temporary file is written and synced, before it is renamed over the state. */
  beforeRename?(): void | Promise<void>;
}

export class WitnessStateError extends Error {
  override readonly name = 'WitnessStateError';
}

const STATE = 'state.json';
const TEMP = 'state.json.tmp';
const LOCK = 'witness.lock';

/**
 * The witness's durable state: one JSON file, replaced atomically (write a temporary file,
 * fsync it, rename it over the old one, fsync the folder), so a crash leaves either the old
 * state or the new one, never a mix. Memory follows the disk, never leads it: commit()
 * resolves only once the new state is durable, and the caller sends its cosignature after.
 * A lock file keeps a second witness process off the same folder.
 */
export class StateStore {
  #logs: Map<string, LogState>;
  #closed = false;

  private constructor(
    readonly dir: string,
    logs: Map<string, LogState>,
    private readonly faults: StateFaults,
  ) {
    this.#logs = logs;
  }

  static async open(dir: string, opts: { faults?: StateFaults } = {}): Promise<StateStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await takeLock(join(dir, LOCK));
    try {
      // A temporary file left by a crash was never renamed: the state it held was never
      // cosigned, so it is dropped.
      await rm(join(dir, TEMP), { force: true });
      return new StateStore(dir, await readState(dir), opts.faults ?? {});
    } catch (e) {
      await rm(join(dir, LOCK), { force: true });
      throw e;
    }
  }

  get(origin: string): LogState | undefined {
    return this.#logs.get(origin);
  }

  entries(): [string, LogState][] {
    return [...this.#logs.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  /** Makes `next` the state of `origin`, durably; the caller serialises commits. */
  async commit(origin: string, next: LogState): Promise<void> {
    if (this.#closed) throw new WitnessStateError('the witness state is closed');
    const logs = new Map(this.#logs).set(origin, next);
    try {
      await writeAtomically(this.dir, serialise(logs), this.faults);
    } catch (e) {
      // The rename may or may not have happened: what the disk holds is the truth from now on
      // (it never holds less than what was cosigned, as nothing is cosigned before it is there).
      this.#logs = await readState(this.dir);
      throw e;
    }
    this.#logs = logs;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await rm(join(this.dir, LOCK), { force: true });
  }
}

function serialise(logs: Map<string, LogState>): string {
  const file: StateFile = { version: 1, logs: {} };
  for (const [origin, s] of [...logs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    file.logs[origin] = {
      size: s.size,
      rootHash: encodeBase64(s.rootHash),
      note: s.note,
      timestamp: s.timestamp,
    };
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

async function readState(dir: string): Promise<Map<string, LogState>> {
  const path = join(dir, STATE);
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  // A state file that does not parse is refused rather than taken as empty: an empty state
  // would let this witness cosign a checkpoint inconsistent with one it already cosigned.
  const bad = (why: string) =>
    new WitnessStateError(`${path} is not a witness state file (${why}); refusing to start`);
  let file: StateFile;
  try {
    file = JSON.parse(raw) as StateFile;
  } catch {
    throw bad('not JSON');
  }
  if (file?.version !== 1 || typeof file.logs !== 'object' || file.logs === null) {
    throw bad('no version 1 "logs"');
  }
  const logs = new Map<string, LogState>();
  for (const [origin, s] of Object.entries(file.logs)) {
    if (
      !Number.isSafeInteger(s?.size) ||
      s.size < 0 ||
      typeof s.note !== 'string' ||
      !Number.isSafeInteger(s.timestamp)
    ) {
      throw bad(`log "${origin}" is malformed`);
    }
    let rootHash: Uint8Array;
    try {
      rootHash = decodeBase64(s.rootHash, 32);
    } catch {
      throw bad(`log "${origin}" has no 32-byte root hash`);
    }
    logs.set(origin, { size: s.size, rootHash, note: s.note, timestamp: s.timestamp });
  }
  return logs;
}

async function writeAtomically(dir: string, text: string, faults: StateFaults): Promise<void> {
  const temp = join(dir, TEMP);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await faults.beforeRename?.();
  await rename(temp, join(dir, STATE));
  // The rename is durable only once the folder's entry is.
  const folder = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** Takes the folder's lock file, or refuses when a live process holds it. */
async function takeLock(path: string): Promise<void> {
  try {
    await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new WitnessStateError(
      `${path}: another witness (process ${pid}) uses this state folder; two would break its atomicity`,
    );
  }
  // Left by a witness that died: take it over.
  await writeFile(path, `${process.pid}\n`, { mode: 0o600 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
