import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * PGlite takes no lock on its folder, and two processes opening the same folder corrupt it
 * silently (measured here). So we hold our own: `<dir>.lock` holds the owner's pid and host.
 *
 * The lock is created with link(2), which fails if the name exists, so exactly one process
 * wins. A process killed with SIGKILL leaves its lock behind; a later start sees that the
 * recorded pid is no longer alive on this host and takes the lock over. (Two processes
 * taking over the same stale lock in the same instant is the one race left; starting two
 * servers at once against one embedded folder is a misconfiguration we refuse, not support.)
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: string,
  ) {
    super(
      `The data folder is in use by another process (${holder}); lock file ${lockFile}. ` +
        'Stop that process, or point DATA_DIR elsewhere. PGlite cannot be shared between processes.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DirLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDir(dir: string): DirLock {
  const file = `${dir}.lock`;
  const me = `${process.pid}@${hostname()}`;
  const tmp = join(`${dir}.lock.${process.pid}.${Date.now()}`);
  const fd = openSync(tmp, 'wx', 0o600);
  writeSync(fd, me);
  closeSync(fd);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(tmp, file);
        return {
          file,
          release() {
            try {
              if (readFileSync(file, 'utf8') === me) unlinkSync(file);
            } catch {
              // already gone
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder = '';
      try {
        holder = readFileSync(file, 'utf8');
      } catch {
        continue; // released between our link and our read: try again
      }
      const [pidText, host] = holder.split('@');
      const pid = Number(pidText);
      const stale = host === hostname() && Number.isInteger(pid) && pid > 0 && !alive(pid);
      if (!stale) throw new DataDirLockedError(file, holder);
      unlinkSync(file);
    }
    throw new DataDirLockedError(file, 'unknown');
  } finally {
    unlinkSync(tmp);
  }
}
