import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { FileStoreError, fileErrorToAppError } from '../src/files/file-errors.js';
import { FileStore } from '../src/files/file-store.js';
import { detectMediaType, structureProblem } from '../src/files/media-type.js';
import { sampleJpeg, samplePng, uniquePng } from './support/money.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const JPEG = sampleJpeg;
const PNG = uniquePng(1);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function storeError(code: string) {
  return expect.objectContaining({ name: 'FileStoreError', code });
}

let dir: string;
let store: FileStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'goodtrace-files-'));
  store = new FileStore({ dir: join(dir, 'files') });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('detectMediaType', () => {
  it('recognises PDF, JPEG and PNG by their first bytes', () => {
    expect(detectMediaType(PDF)).toBe('application/pdf');
    expect(detectMediaType(JPEG)).toBe('image/jpeg');
    expect(detectMediaType(PNG)).toBe('image/png');
    expect(detectMediaType(Buffer.from('%PDF-'))).toBe('application/pdf');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('hello, world')],
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00')],
    ['HTML posing as PDF further in', Buffer.from('<html>%PDF-1.7</html>')],
    ['"%PDF" without its dash', Buffer.from('%PDF1.7')],
    ['a truncated JPEG marker', Buffer.from([0xff, 0xd8])],
    [
      'a PNG signature with one byte wrong',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b]),
    ],
    ['a truncated PNG signature', PNG.subarray(0, 7)],
  ])('refuses anything else: %s', (_, bytes) => {
    expect(detectMediaType(bytes)).toBeNull();
  });
});

describe('structureProblem', () => {
  it('accepts whole files: a PDF with its %%EOF, a JPEG and a PNG parsed to their size', () => {
    expect(structureProblem(PDF, 'application/pdf')).toBeNull();
    expect(structureProblem(JPEG, 'image/jpeg')).toBeNull();
    expect(structureProblem(PNG, 'image/png')).toBeNull();
    expect(structureProblem(samplePng, 'image/png')).toBeNull();
  });

  it.each([
    ['a JPEG that is its magic number alone', Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg'],
    ['a JPEG cut off before its frame header', JPEG.subarray(0, 150), 'image/jpeg'],
    [
      'a PNG signature and noise',
      Buffer.concat([PNG.subarray(0, 8), randomBytes(40)]),
      'image/png',
    ],
    ['a PNG signature alone', PNG.subarray(0, 8), 'image/png'],
    ['a PDF header alone', Buffer.from('%PDF-1.7\n'), 'application/pdf'],
    [
      'a PDF whose %%EOF is not near its end',
      Buffer.concat([PDF, Buffer.alloc(2000, 0x20)]),
      'application/pdf',
    ],
  ] as const)('refuses %s', (_, bytes, type) => {
    expect(structureProblem(bytes, type)).toEqual(expect.any(String));
  });
});

describe('FileStore.put', () => {
  it('stores content under ab/cd/<sha256> and returns its hash, type and size', async () => {
    const stored = await store.put(PNG, 'image/png');
    const hash = sha256(PNG);
    expect(stored).toEqual({ sha256: hash, mediaType: 'image/png', size: PNG.length });
    expect(await filesUnder(store.dir)).toEqual([join(hash.slice(0, 2), hash.slice(2, 4), hash)]);
    expect((await store.read(hash)).bytes.equals(PNG)).toBe(true);
    expect(await store.has(hash)).toBe(true);
  });

  it('takes the type from the content when none is declared, and ignores Content-Type parameters', async () => {
    expect((await store.put(PDF)).mediaType).toBe('application/pdf');
    expect((await store.put(JPEG, 'Image/JPEG; charset=binary')).mediaType).toBe('image/jpeg');
  });

  it('writing the same content twice is a no-op: same answer, the first file untouched', async () => {
    const first = await store.put(PDF);
    const before = await stat(store.pathOf(first.sha256));
    expect(await store.put(PDF, 'application/pdf')).toEqual(first);
    const after = await stat(store.pathOf(first.sha256));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await filesUnder(store.dir)).toHaveLength(1);
  });

  it('repairs a damaged copy (wrong size) on the next upload of the real content', async () => {
    const { sha256: hash } = await store.put(PDF);
    await writeFile(store.pathOf(hash), PDF.subarray(0, 10));
    await store.put(PDF);
    expect((await store.verifyStoredFile(hash)).intact).toBe(true);
  });

  it('refuses an empty file', async () => {
    await expect(store.put(Buffer.alloc(0), 'application/pdf')).rejects.toThrow(
      storeError('empty'),
    );
  });

  it('refuses a file over the limit, and accepts one exactly at it', async () => {
    const small = new FileStore({ dir: store.dir, maxBytes: PDF.length });
    await expect(small.put(Buffer.concat([PDF, Buffer.from(' ')]))).rejects.toThrow(
      storeError('too_large'),
    );
    await expect(small.put(PDF)).resolves.toMatchObject({ size: PDF.length });
    expect(new FileStore({ dir: store.dir }).maxBytes).toBe(10 * 1024 * 1024);
  });

  it('refuses content that is not a PDF, JPEG or PNG, whatever it is declared as', async () => {
    const html = Buffer.from('<!doctype html><script>alert(1)</script>');
    await expect(store.put(html)).rejects.toThrow(storeError('type_not_allowed'));
    await expect(store.put(html, 'application/pdf')).rejects.toThrow(
      storeError('type_not_allowed'),
    );
  });

  it('refuses a declared type other than the three', async () => {
    await expect(store.put(PDF, 'text/html')).rejects.toThrow(storeError('type_not_allowed'));
    await expect(store.put(PNG, 'image/gif')).rejects.toThrow(storeError('type_not_allowed'));
  });

  it('refuses content that does not match its declared type', async () => {
    const err = await store.put(PNG, 'application/pdf').catch((e) => e);
    expect(err).toBeInstanceOf(FileStoreError);
    expect(err).toMatchObject({
      code: 'type_mismatch',
      details: { declared: 'application/pdf', detected: 'image/png' },
    });
    await expect(store.put(JPEG, 'image/png')).rejects.toThrow(storeError('type_mismatch'));
  });

  it('leaves nothing behind when it refuses a file', async () => {
    await store.put(PNG, 'application/pdf').catch(() => {});
    await store.put(Buffer.from('nope')).catch(() => {});
    expect(await filesUnder(store.dir)).toEqual([]);
  });

  it('two concurrent puts of the same content both succeed and leave one complete file', async () => {
    const big = Buffer.concat([PDF, randomBytes(4 * 1024 * 1024), Buffer.from('\n%%EOF\n')]);
    const results = await Promise.all(Array.from({ length: 6 }, () => store.put(big)));
    const hash = sha256(big);
    for (const r of results)
      expect(r).toEqual({ sha256: hash, mediaType: 'application/pdf', size: big.length });
    expect(await filesUnder(store.dir)).toEqual([join(hash.slice(0, 2), hash.slice(2, 4), hash)]);
    expect(await store.verifyStoredFile(hash)).toMatchObject({ intact: true, size: big.length });
  });

  it('a process killed while writing never leaves a partial file under a hash name', async () => {
    // The child stores distinct 3 MiB files back to back and reports each; it is killed after
    // the second report, so it dies in the middle of some later write.
    const storeModule = new URL('../src/files/file-store.ts', import.meta.url).href;
    const script = `
      import { randomBytes } from 'node:crypto';
      const { FileStore } = await import(${JSON.stringify(storeModule)});
      const store = new FileStore({ dir: ${JSON.stringify(store.dir)} });
      for (;;) {
        const bytes = Buffer.concat([
          Buffer.from('%PDF-1.7\\n'),
          randomBytes(3 * 1024 * 1024),
          Buffer.from('\\n%%EOF\\n'),
        ]);
        const { sha256 } = await store.put(bytes);
        process.stdout.write(sha256 + '\\n');
      }`;
    const child = spawn(
      process.execPath,
      ['--conditions=@goodtrace/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const reported: string[] = [];
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve) => {
      let rest = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        rest += chunk;
        const lines = rest.split('\n');
        rest = lines.pop()!;
        reported.push(...lines);
        if (reported.length >= 2) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => resolve());
    });
    await exited;
    expect(reported.length).toBeGreaterThanOrEqual(2);
    const stored: string[] = [];
    for await (const hash of store.list()) stored.push(hash);
    for (const hash of reported) expect(stored).toContain(hash);
    for (const hash of stored) {
      expect(await store.verifyStoredFile(hash)).toMatchObject({ intact: true });
    }
    // Whatever was cut short is a dot-file, which no reader ever takes for a stored file.
    for (const f of await filesUnder(store.dir)) {
      const name = f.split('/').pop()!;
      expect(stored.includes(name) || /^\..*\.tmp$/.test(name)).toBe(true);
    }
  });
});

describe('reading stored files', () => {
  it('opens a file as a stream with its size and type', async () => {
    const { sha256: hash } = await store.put(PDF);
    const opened = await store.open(hash);
    expect(opened).toMatchObject({ sha256: hash, size: PDF.length, mediaType: 'application/pdf' });
    expect(await text(opened.stream)).toBe(PDF.toString());
  });

  it('says not_found for a well-formed hash that is not stored', async () => {
    const absent = sha256(Buffer.from('absent'));
    expect(await store.has(absent)).toBe(false);
    await expect(store.open(absent)).rejects.toThrow(storeError('not_found'));
    await expect(store.read(absent)).rejects.toThrow(storeError('not_found'));
    await expect(store.verifyStoredFile(absent)).rejects.toThrow(storeError('not_found'));
  });

  it.each([
    '../../../../etc/passwd',
    `../${'a'.repeat(61)}`,
    `${'a'.repeat(63)}/`,
    'A'.repeat(64),
    'a'.repeat(63),
    'a'.repeat(65),
    `${'a'.repeat(63)}\0`,
    `${'a'.repeat(62)}..`,
    '',
  ])('refuses a name that is not 64 lowercase hex digits: %j', async (name) => {
    expect(() => store.pathOf(name)).toThrow(storeError('invalid_name'));
    await expect(store.has(name)).rejects.toThrow(storeError('invalid_name'));
    await expect(store.open(name)).rejects.toThrow(storeError('invalid_name'));
    await expect(store.read(name)).rejects.toThrow(storeError('invalid_name'));
    await expect(store.verifyStoredFile(name)).rejects.toThrow(storeError('invalid_name'));
  });

  it('verifyStoredFile finds a file whose content no longer matches its name', async () => {
    const { sha256: hash } = await store.put(JPEG);
    expect(await store.verifyStoredFile(hash)).toEqual({
      sha256: hash,
      size: JPEG.length,
      intact: true,
      actualSha256: hash,
    });
    const altered = Buffer.from(JPEG);
    altered[100]! ^= 0xff;
    await writeFile(store.pathOf(hash), altered);
    expect(await store.verifyStoredFile(hash)).toMatchObject({
      intact: false,
      actualSha256: sha256(altered),
    });
  });

  it('lists every stored hash, skipping temporary files', async () => {
    const hashes = (await Promise.all([store.put(PDF), store.put(JPEG), store.put(PNG)]))
      .map((s) => s.sha256)
      .sort();
    const h = hashes[0]!;
    await writeFile(join(store.dir, h.slice(0, 2), h.slice(2, 4), '.leftover.tmp'), 'x');
    const listed: string[] = [];
    for await (const x of store.list()) listed.push(x);
    expect(listed.sort()).toEqual(hashes);
    const empty = new FileStore({ dir: join(dir, 'never-written') });
    for await (const _ of empty.list()) expect.unreachable();
  });
});

describe('fileErrorToAppError', () => {
  it.each([
    ['type_not_allowed', 'file_type_not_allowed', 415],
    ['type_mismatch', 'file_type_mismatch', 415],
    ['empty', 'file_empty', 400],
    ['too_large', 'file_too_large', 413],
    ['invalid_name', 'not_found', 404],
    ['not_found', 'not_found', 404],
  ] as const)('maps %s to the API error %s (%i)', (code, appCode, status) => {
    const err = fileErrorToAppError(
      new FileStoreError(code, 'x', { maxBytes: 10 * 1024 * 1024, declared: 'a', detected: 'b' }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: appCode, status });
  });

  it('says the limit and the types in the messages people see', async () => {
    const small = new FileStore({ dir: store.dir, maxBytes: 1024 * 1024 });
    const tooLarge = await small.put(Buffer.alloc(1024 * 1024 + 1)).catch(fileErrorToAppError);
    expect(tooLarge).toMatchObject({
      message: 'Evidence files are at most 1 MiB.',
      details: { maxBytes: 1024 * 1024 },
    });
    const mismatch = await store.put(PNG, 'application/pdf').catch(fileErrorToAppError);
    expect((mismatch as Error).message).toBe(
      "The file's content is image/png, not the application/pdf its Content-Type says.",
    );
    expect((await store.put(Buffer.from('x')).catch(fileErrorToAppError)) as Error).toMatchObject({
      message: 'Evidence must be a PDF, JPEG or PNG file.',
    });
  });

  it('passes any other error through unchanged', () => {
    const other = new Error('disk on fire');
    expect(fileErrorToAppError(other)).toBe(other);
  });
});
