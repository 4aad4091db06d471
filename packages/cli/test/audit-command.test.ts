import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompactRange,
  cosign,
  encodeEntryBundle,
  encodeEvent,
  formatCheckpoint,
  generateSignerKey,
  hashLeaf,
  KEY_TYPE_COSIGNATURE_V1,
  type LedgerEvent,
  signNote,
  TILE_WIDTH,
  tilePath,
  tilesForSize,
} from '@goodtrace/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fetcher } from '../src/audit/fetcher.js';
import { formatDuration, Progress } from '../src/audit/progress.js';
import type { Io } from '../src/command.js';
import { main } from '../src/main.js';

// `goodtrace audit` against a static C2SP tlog-tiles log built here with @goodtrace/ledger
// (no Goodtrace server: --skip-api --skip-evidence), for what does not need one.

const ORIGIN = 'audit.goodtrace.test/log';
const SIZE = 600;
const logKey = generateSignerKey(ORIGIN);
const witnesses = [0, 1].map((i) =>
  generateSignerKey(`witness-${i}.test`, { type: KEY_TYPE_COSIGNATURE_V1 }),
);

/** Every file of the log by path, as a static host would serve it. */
function buildLog(): Map<string, Uint8Array> {
  const leaves: Uint8Array[] = [];
  leaves.push(
    encodeEvent({
      type: 'project.published',
      v: 1,
      at: '2026-01-01T00:00:00.000Z',
      data: {
        projectId: 'p1',
        orgId: 'o1',
        goal: 10_000_000,
        currency: 'CNY',
        budget: [{ id: 'l1', label: 'Books', amount: 10_000_000 }],
      },
    } as LedgerEvent),
  );
  for (let i = 1; i < SIZE; i++) {
    leaves.push(
      encodeEvent({
        type: 'donation.received',
        v: 1,
        at: '2026-01-02T00:00:00.000Z',
        data: {
          donationId: `d${i}`,
          projectId: 'p1',
          orgId: 'o1',
          amount: 1000 + i,
          currency: 'CNY',
          paidSeq: i,
          donor: 'x',
        },
      }),
    );
  }
  const nodes = new Map<string, Uint8Array>();
  const range = new CompactRange();
  range.append(leaves.map(hashLeaf), (level, index, hash) => nodes.set(`${level}/${index}`, hash));
  const files = new Map<string, Uint8Array>();
  for (const t of tilesForSize(SIZE)) {
    const hashes = Array.from(
      { length: t.width },
      (_, i) => nodes.get(`${t.level * 8}/${t.index * TILE_WIDTH + i}`)!,
    );
    files.set(`/log/${tilePath(t)}`, Buffer.concat(hashes));
    if (t.level === 0) {
      const first = t.index * TILE_WIDTH;
      files.set(
        `/log/${tilePath({ level: -1, index: t.index, width: t.width })}`,
        encodeEntryBundle(leaves.slice(first, first + t.width)),
      );
    }
  }
  const text = formatCheckpoint({ origin: ORIGIN, size: SIZE, rootHash: range.root() });
  const note =
    signNote(text, [logKey.signerKey]) +
    cosign({ checkpoint: text, signerKey: witnesses[0]!.signerKey, timestamp: 1_795_000_000 });
  files.set('/log/checkpoint', new TextEncoder().encode(note));
  return files;
}

const files = buildLog();
/** Paths that answer 503 this many more times before answering. */
const flaky = new Map<string, number>();
let server: Server;
let base: string;
const scratch = mkdtempSync(join(tmpdir(), 'goodtrace-audit-cli-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const fails = flaky.get(path) ?? 0;
    if (fails > 0) {
      flaky.set(path, fails - 1);
      res.writeHead(503).end();
      return;
    }
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(scratch, { recursive: true, force: true });
});

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: scratch,
    fetch: globalThis.fetch,
  };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const trusted = (state: string) => [
  'audit',
  base,
  '--state',
  state,
  '--log-key',
  logKey.verifierKey,
  '--witness',
  witnesses[0]!.verifierKey,
  '--witness',
  witnesses[1]!.verifierKey,
  '--quorum',
  '1',
  '--skip-api',
  '--skip-evidence',
];

describe('goodtrace audit of a static tlog-tiles log', () => {
  it('verifies a witnessed log served as C2SP tiles, retrying answers that fail for a while', async () => {
    flaky.set('/log/tile/entries/001', 2);
    const r = await run(trusted(mkdtempSync(join(scratch, 's-'))));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('✓ checkpoint: 600 entries');
    expect(r.out).toContain('1 witness cosignature(s) verified (quorum 1)');
    expect(r.out).toContain('✓ books: 1 projects, 599 donations, 0 disbursements replayed');
    expect(r.err).toMatch(/audit: bundle 3\/3 \(100%\), 600 events/);
  });

  it('fails a quorum the cosignatures do not meet', async () => {
    const args = trusted(mkdtempSync(join(scratch, 's-')));
    args[args.indexOf('--quorum') + 1] = '2';
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /checkpoint_invalid: the checkpoint does not verify: 1 of the required 2/,
    );
  });

  it('names the index where a served hash tile and the entries disagree', async () => {
    const path = `/log/${tilePath({ level: 0, index: 1 })}`;
    const good = files.get(path)!;
    const bad = Uint8Array.from(good);
    bad[5 * 32] = bad[5 * 32]! ^ 1;
    files.set(path, bad);
    try {
      const r = await run(trusted(mkdtempSync(join(scratch, 's-'))));
      expect(r.code).toBe(1);
      expect(r.out).toContain(`entry_mismatch at index ${256 + 5}`);
      expect(r.out).toContain('FINDINGS');
    } finally {
      files.set(path, good);
    }
  });

  it('reports a checkpoint whose root the entries do not give', async () => {
    const path = '/log/tile/entries/002.p/88';
    const good = files.get(path)!;
    const bad = Uint8Array.from(good);
    bad[bad.length - 3] = '9'.charCodeAt(0);
    files.set(path, bad);
    try {
      const r = await run(trusted(mkdtempSync(join(scratch, 's-'))));
      expect(r.code).toBe(1);
      expect(r.out).toContain('entry_mismatch at index 599');
      expect(r.out).toContain('root_mismatch');
    } finally {
      files.set(path, good);
    }
  });
});

describe('goodtrace audit usage', () => {
  it('exits 2 for a missing or bad URL, bad numbers, or witnesses without a log key', async () => {
    expect((await run(['audit'])).code).toBe(2);
    expect((await run(['audit', 'ftp://x'])).code).toBe(2);
    expect((await run(['audit', base, '--quorum', 'x'])).code).toBe(2);
    expect((await run(['audit', base, '--concurrency', '0'])).code).toBe(2);
    expect((await run(['audit', base, '--witness', witnesses[0]!.verifierKey])).code).toBe(2);
    expect((await run(['audit', base, '--log-key', 'nope'])).code).toBe(2);
    expect((await run(['audit', base, '--now', 'yesterday'])).code).toBe(2);
  });

  it('exits 2 when the server cannot be reached', async () => {
    const r = await run(['audit', 'http://127.0.0.1:9/', '--state', scratch]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^goodtrace audit: /);
  });
});

describe('the fetcher and the progress line', () => {
  it('keeps at most `concurrency` requests in flight, and 404 is an answer, not a retry', async () => {
    let active = 0;
    let peak = 0;
    let calls = 0;
    const fake = (async () => {
      calls++;
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return new Response(null, { status: 404 });
    }) as typeof fetch;
    const f = new Fetcher('http://x', { fetch: fake, concurrency: 3 });
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => f.bytesOf(`t/${i}`)));
    expect(got.every((g) => g === null)).toBe(true);
    expect(peak).toBe(3);
    expect(calls).toBe(20);
  });

  it('prints plain lines at most every few seconds, and the last one always', () => {
    const lines: string[] = [];
    const p = new Progress(100, { line: (l) => lines.push(l) });
    for (let i = 1; i <= 100; i++) p.tick(i, i * 256);
    p.done(25_600);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^audit: bundle 1\/100 \(1%\), 256 events, .* ETA /);
    expect(lines[1]).toMatch(/^audit: bundle 100\/100 \(100%\), 25,600 events/);
  });
});

describe('the progress line', () => {
  it('writes durations the way a person reads them, carrying a rounded minute', () => {
    expect(formatDuration(4.25)).toBe('4.3s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(59.7)).toBe('1m00s');
    expect(formatDuration(179.7)).toBe('3m00s');
    expect(formatDuration(185)).toBe('3m05s');
  });
});
