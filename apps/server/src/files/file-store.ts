import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStoreError } from './file-errors.js';
import {
  detectMediaType,
  type EvidenceMediaType,
  evidenceMediaType,
  MEDIA_TYPE_PROBE_BYTES,
  structureProblem,
} from './media-type.js';

export const DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;

/** What the log and the database keep of a file: its hash is its name. */
export interface StoredFile {
  /** SHA-256 of the content, 64 lowercase hex digits. */
  sha256: string;
  mediaType: EvidenceMediaType;
  size: number;
}

export interface OpenedFile extends StoredFile {
  /** The content; the file handle closes when the stream ends or is destroyed. */
  stream: Readable;
}

/** The outcome of re-hashing a stored file. */
export interface StoredFileCheck {
  sha256: string;
  size: number;
  /** The content still hashes to its name. */
  intact: boolean;
  actualSha256: string;
}

const NAME = /^[0-9a-f]{64}$/;

/**
 * Evidence files (invoices, receipts, photos), content-addressed by SHA-256 in a folder:
 * `<dir>/ab/cd/abcd…` for a hash starting `abcd`. Only the hash goes on the log, so anyone
 * holding a file can check it against the log, and a file can never change under its name.
 *
 * Writes are atomic: the content goes to a temporary file in the final folder, is flushed to
 * disk, then renamed over the final name (rename is atomic within one file system), so a crash
 * never leaves a partial file under a hash name; leftovers are dot-files, never read. Writing the
 * same content again is a no-op, and two writers of the same content (in one process or several)
 * both end with the one complete file.
 */
export class FileStore {
  readonly dir: string;
  readonly maxBytes: number;

  constructor(options: { dir: string; maxBytes?: number }) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? DEFAULT_EVIDENCE_MAX_BYTES;
  }

  /** The path of a file by its hash; refuses anything but 64 lowercase hex digits. */
  pathOf(sha256: string): string {
    if (typeof sha256 !== 'string' || !NAME.test(sha256)) {
      throw new FileStoreError('invalid_name', 'a file name is 64 lowercase hex digits');
    }
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /**
   * Stores `bytes` if they are a whole PDF, JPEG or PNG (see structureProblem) of at most
   * `maxBytes`, and, when the uploader declared a Content-Type, of that type. Returns the hash,
   * the detected type and the size.
   */
  async put(bytes: Uint8Array, declaredType?: string): Promise<StoredFile> {
    if (bytes.length === 0) throw new FileStoreError('empty', 'the file is empty');
    if (bytes.length > this.maxBytes) {
      throw new FileStoreError('too_large', `the file is over ${this.maxBytes} bytes`, {
        maxBytes: this.maxBytes,
        size: bytes.length,
      });
    }
    const detected = detectMediaType(bytes);
    if (detected === null) {
      throw new FileStoreError('type_not_allowed', 'the content is not a PDF, JPEG or PNG file');
    }
    if (declaredType !== undefined && declaredType !== '') {
      const declared = evidenceMediaType(declaredType);
      if (declared === null) {
        throw new FileStoreError('type_not_allowed', `${declaredType} is not an accepted type`, {
          declared: declaredType,
        });
      }
      if (declared !== detected) {
        throw new FileStoreError('type_mismatch', `the content is ${detected}, not ${declared}`, {
          declared,
          detected,
        });
      }
    }
    const problem = structureProblem(bytes, detected);
    if (problem !== null) {
      throw new FileStoreError('type_not_allowed', problem, { detected, problem });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256);
    const existing = await stat(path).catch(() => undefined);
    // Same name, same size: the same content (SHA-256). A different size means a damaged copy,
    // which the rename below replaces.
    if (existing?.isFile() && existing.size === bytes.length) {
      return { sha256, mediaType: detected, size: bytes.length };
    }
    await this.writeAtomically(path, bytes);
    return { sha256, mediaType: detected, size: bytes.length };
  }

  private async writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
    const folder = dirname(path);
    const created = await mkdir(folder, { recursive: true });
    const temp = join(folder, `.${randomUUID()}.tmp`);
    const handle = await open(temp, 'wx', 0o644);
    try {
      try {
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
          written += bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    // The rename, and any folder just made, must survive a power cut too.
    await syncDir(folder);
    if (created !== undefined) {
      await syncDir(dirname(folder));
      await syncDir(this.dir);
    }
  }

  /** Whether a file with this hash is stored. */
  async has(sha256: string): Promise<boolean> {
    const s = await stat(this.pathOf(sha256)).catch(() => undefined);
    return s?.isFile() ?? false;
  }

  /** Opens a stored file for streaming, with its size and type; `not_found` if absent. */
  async open(sha256: string): Promise<OpenedFile> {
    const path = this.pathOf(sha256);
    const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new FileStoreError('not_found', `no file ${sha256}`);
      throw err;
    });
    try {
      const { size } = await handle.stat();
      const probe = new Uint8Array(MEDIA_TYPE_PROBE_BYTES);
      const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
      const mediaType = detectMediaType(probe.subarray(0, bytesRead));
      if (mediaType === null) throw new Error(`stored file ${sha256} is not an evidence file`);
      return { sha256, mediaType, size, stream: handle.createReadStream({ start: 0 }) };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The whole content of a stored file, with its size and type; `not_found` if absent. */
  async read(sha256: string): Promise<StoredFile & { bytes: Buffer }> {
    const bytes = await readFile(this.pathOf(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new FileStoreError('not_found', `no file ${sha256}`);
      throw err;
    });
    const mediaType = detectMediaType(bytes);
    if (mediaType === null) throw new Error(`stored file ${sha256} is not an evidence file`);
    return { sha256, mediaType, size: bytes.length, bytes };
  }

  /** Re-hashes a stored file: is it still the content its name (and the log) says? */
  async verifyStoredFile(sha256: string): Promise<StoredFileCheck> {
    const path = this.pathOf(sha256);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of createReadStream(path)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileStoreError('not_found', `no file ${sha256}`);
      }
      throw err;
    }
    const actualSha256 = hash.digest('hex');
    return { sha256, size, intact: actualSha256 === sha256, actualSha256 };
  }

  /** Every stored file's hash (temporary files left by a crash are skipped). */
  async *list(): AsyncGenerator<string> {
    for (const a of await readdirOrEmpty(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await readdirOrEmpty(join(this.dir, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of await readdirOrEmpty(join(this.dir, a, b))) {
          if (NAME.test(name) && name.startsWith(a + b)) yield name;
        }
      }
    }
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
