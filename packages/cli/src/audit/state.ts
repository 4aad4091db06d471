// The audit's state folder, one per audited site: the keys pinned on the first audit (trust on
// first use), the last checkpoint verified (with the tree's compact range at that size) and
// the entry bundles fetched, so a later run fetches only what is new.
//
//   <dir>/state.json          the pin, the last verified checkpoint, its size and root
//   <dir>/bundles/<N>         full entry bundle N (immutable on an honest log)
//   <dir>/bundles/partial     the last partial bundle seen, to compare with its longer
//                             version next time (a rewrite shows there first)

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The log this folder audits, as first seen: its origin, its key and its witnesses. Never
 * changed by a later run: a log (or a server) that shows other ones is refused until the user
 * deletes state.json on purpose.
 */
export interface Pin {
  origin: string;
  logKey: string;
  witnesses: string[];
  /** Where the keys came from: the server itself (trusted on first use) or the command line. */
  from: 'server' | '--log-key';
  /** When they were pinned (ISO 8601). */
  at: string;
}

export interface SavedState {
  version: 2;
  pin: Pin;
  /** The last checkpoint verified in full (signed note, cosignatures included). */
  checkpoint: string | null;
  size: number;
  /** Base64 root hash of that checkpoint. */
  root: string | null;
  verifiedAt: string | null;
  /** The width of bundles/partial, 0 when none. */
  partialWidth: number;
}

/** A state.json this version cannot read: refused rather than overwritten. */
export class StateError extends Error {
  override readonly name = 'StateError';
}

export class StateFolder {
  private readonly bundles: string;

  constructor(readonly dir: string) {
    this.bundles = join(dir, 'bundles');
  }

  get file(): string {
    return join(this.dir, 'state.json');
  }

  async open(): Promise<SavedState | null> {
    await mkdir(this.bundles, { recursive: true });
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let state: Partial<SavedState>;
    try {
      state = JSON.parse(text) as Partial<SavedState>;
    } catch {
      throw new StateError(`${this.file} is not JSON`);
    }
    if (state.version !== 2 || typeof state.pin?.logKey !== 'string') {
      throw new StateError(
        `${this.file} was not written by this version of goodtrace audit: move the folder away, or give another --state`,
      );
    }
    return state as SavedState;
  }

  /** Written whole to a temporary file and renamed over: a crash never leaves half a state. */
  async save(state: SavedState): Promise<void> {
    await this.atomicWrite(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }

  async readBundle(n: number): Promise<Uint8Array | null> {
    return this.read(join(this.bundles, String(n)));
  }

  async writeBundle(n: number, bytes: Uint8Array): Promise<void> {
    await this.atomicWrite(join(this.bundles, String(n)), bytes);
  }

  async readPartial(): Promise<Uint8Array | null> {
    return this.read(join(this.bundles, 'partial'));
  }

  async writePartial(bytes: Uint8Array): Promise<void> {
    await this.atomicWrite(join(this.bundles, 'partial'), bytes);
  }

  private async read(file: string): Promise<Uint8Array | null> {
    try {
      return await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, file);
  }
}
