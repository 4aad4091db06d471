// The audit's state folder, one per log origin: the keys pinned on the first run, the last
// checkpoint verified (with the tree's compact range at that size) and the entry bundles
// fetched, so a later run fetches only what is new.
//
//   <root>/<origin>/state.json          keys, last verified checkpoint, size, root
//   <root>/<origin>/bundles/<N>         full entry bundle N (immutable on an honest log)
//   <root>/<origin>/bundles/partial     the last partial bundle seen, to compare with its
//                                       longer version next time (a rewrite shows there first)

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SavedState {
  version: 1;
  origin: string;
  /** Pinned on the first run; a different key later is a finding, not a silent switch. */
  logKey: string;
  witnesses: string[];
  /** The last checkpoint verified in full (signed note, cosignatures included). */
  checkpoint: string | null;
  size: number;
  /** Base64 root hash of that checkpoint. */
  root: string | null;
  verifiedAt: string | null;
  /** The width of bundles/partial, 0 when none. */
  partialWidth: number;
}

/** A folder name for an origin: its characters kept where they are safe in a file name. */
export function originFolder(origin: string): string {
  return origin.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';
}

export class StateFolder {
  readonly dir: string;
  private readonly bundles: string;

  constructor(root: string, origin: string) {
    this.dir = join(root, originFolder(origin));
    this.bundles = join(this.dir, 'bundles');
  }

  async open(): Promise<SavedState | null> {
    await mkdir(this.bundles, { recursive: true });
    try {
      return JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')) as SavedState;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /** Written whole to a temporary file and renamed over: a crash never leaves half a state. */
  async save(state: SavedState): Promise<void> {
    await this.atomicWrite(join(this.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
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
