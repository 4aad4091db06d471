import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { defaultAuditState, siteFolder, userStateHome } from '../src/audit/state-dir.js';
import type { Io } from '../src/command.js';
import { main } from '../src/main.js';

// `goodtrace audit` against a static C2SP tlog-tiles log built here with @goodtrace/ledger
// (no Goodtrace server: --skip-api --skip-evidence), for what does not need one.

const ORIGIN = 'audit.goodtrace.test/log';
const SIZE = 600;
const logKey = generateSignerKey(ORIGIN);
/** The same log signed by another key: what a server that switched keys serves. */
const otherKey = generateSignerKey(ORIGIN);
const witnesses = [0, 1].map((i) =>
  generateSignerKey(`witness-${i}.test`, { type: KEY_TYPE_COSIGNATURE_V1 }),
);

/** Every file of the log by path, as a static host would serve it, signed by `signer`. */
function buildLog(signer = logKey): Map<string, Uint8Array> {
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
    signNote(text, [signer.signerKey]) +
    cosign({ checkpoint: text, signerKey: witnesses[0]!.signerKey, timestamp: 1_795_000_000 });
  files.set('/log/checkpoint', new TextEncoder().encode(note));
  return files;
}

const files = buildLog();
const switched = buildLog(otherKey);
/**
 * What the server says about its own keys (GET /log/key and /api/log, as a Goodtrace server
 * answers them): the key that signs the log it serves, and its witnesses.
 */
const served = { logKey: logKey.verifierKey, witnesses: [witnesses[0]!.verifierKey] };
/** Serve the log signed by `otherKey` (and say so on /log/key), or the original one. */
function switchKey(on: boolean) {
  for (const [path, body] of (on ? switched : buildLog()).entries()) files.set(path, body);
  served.logKey = (on ? otherKey : logKey).verifierKey;
}
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
    if (path === '/log/key') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${served.logKey}\n`);
      return;
    }
    if (path === '/api/log') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          origin: ORIGIN,
          verifierKey: served.logKey,
          quorum: 1,
          witnesses: served.witnesses.map((verifierKey) => ({ verifierKey })),
        }),
      );
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

async function run(argv: string[], more: Partial<Io> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: scratch,
    fetch: globalThis.fetch,
    ...more,
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
      expect(r.out.split('\n').at(-1)).toMatch(/^FAILED: 1 check failed \(the findings above\)/);
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

describe('what the audit concludes, in words, in its exit status and in its JSON report', () => {
  const withJson = (args: string[]) => {
    const json = join(mkdtempSync(join(scratch, 'j-')), 'report.json');
    return {
      args: [...args, '--json', json],
      report: () => JSON.parse(readFileSync(json, 'utf8')),
    };
  };

  it('a log that checks out is CLEAN, exit 0, and says what it did not check', async () => {
    const { args, report } = withJson(trusted(mkdtempSync(join(scratch, 's-'))));
    const r = await run([...args, '--now', '2026-01-03T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').at(-1)).toBe(
      'CLEAN: the log and every balance check out (API not compared, evidence not downloaded)',
    );
    expect(report()).toMatchObject({ result: 'clean', exitCode: 0, clean: true, anomalies: [] });
  });

  it('lists an anomaly and still exits 0, CLEAN with the anomalies to look at: anomalies are not failures', async () => {
    const { args, report } = withJson(trusted(mkdtempSync(join(scratch, 's-'))));
    // A year on, the money raised on 2026-01-02 has sat unspent for far more than 90 days.
    const r = await run([...args, '--now', '2027-01-02T00:00:00Z']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Anomalies \(1\):\n {2}! idle_money/);
    expect(r.out.split('\n').at(-1)).toBe(
      'CLEAN: the log and every balance check out (API not compared, evidence not downloaded); 1 anomaly to look at (listed above, not failures)',
    );
    expect(report()).toMatchObject({
      result: 'clean',
      exitCode: 0,
      clean: true,
      findings: [],
      anomalies: [expect.objectContaining({ code: 'idle_money' })],
    });
  });

  it('a failed check is FAILED, exit 1, in the report as in the words', async () => {
    const { args, report } = withJson(trusted(mkdtempSync(join(scratch, 's-'))));
    args[args.indexOf('--quorum') + 1] = '2';
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').at(-1)).toBe('FAILED: 1 check failed (the findings above)');
    expect(report()).toMatchObject({
      result: 'failed',
      exitCode: 1,
      clean: false,
      findings: [expect.objectContaining({ kind: 'log', code: 'checkpoint_invalid' })],
    });
  });

  it('--help gives the same exit statuses as the words and the report', async () => {
    const r = await run(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}0 {2}CLEAN: every check passed\. Anomalies/m);
    expect(r.out).toMatch(/^ {2}1 {2}FAILED: a check failed/m);
    expect(r.out).toMatch(/^ {2}2 {2}usage, or the server cannot be reached/m);
    expect(r.out).toMatch(/^ {2}3 {2}KEY CHANGED: the log's key, witnesses or origin/m);
  });
});

describe('keys the server hands out are trusted on first use, said loudly, and pinned', () => {
  const fromServer = (state: string, ...more: string[]) => {
    const json = join(mkdtempSync(join(scratch, 'j-')), 'report.json');
    const args = [
      'audit',
      base,
      '--state',
      state,
      '--skip-api',
      '--skip-evidence',
      '--json',
      json,
      ...more,
    ];
    return { args, report: () => JSON.parse(readFileSync(json, 'utf8')) };
  };
  const pinOf = (state: string) => JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).pin;

  it('on first use: a warning that names the key and says it came from the operator, and the key pinned', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    const { args, report } = fromServer(state);
    const r = await run(args);
    expect(r.code, r.out).toBe(0);
    expect(r.err).toContain(
      `goodtrace audit: WARNING: no --log-key: trusting the log key ${logKey.verifierKey} and 1 witness key(s) that ${base} handed out itself. A dishonest operator could hand out keys of its own.`,
    );
    expect(r.out).toContain(
      `! keys: the log key ${logKey.verifierKey} and 1 witness key(s) as ${base} handed them out (no --log-key); trusted on first use and pinned in ${state}`,
    );
    expect(pinOf(state)).toEqual({
      origin: ORIGIN,
      logKey: logKey.verifierKey,
      witnesses: [witnesses[0]!.verifierKey],
      from: 'server',
      at: expect.any(String),
    });
    expect(report().trust).toMatchObject({ from: 'server', pinned: 'now' });
  });

  it('with the same key later: no alarm, and the report names the pin it matched', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    expect((await run(fromServer(state).args)).code).toBe(0);
    const pinned = pinOf(state);
    const { args, report } = fromServer(state);
    const r = await run(args);
    expect(r.code, r.out).toBe(0);
    expect(r.err).not.toContain('WARNING');
    expect(r.err).toContain(`the ones pinned on ${pinned.at}`);
    expect(report().trust).toEqual({
      from: 'server',
      pinned: 'before',
      pinnedAt: pinned.at,
      pinnedFrom: 'server',
    });
    expect(pinOf(state)).toEqual(pinned);
  });

  it('a server that now hands out another key fails with exit 3, KEY CHANGED, checks nothing else and keeps the pin', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    expect((await run(fromServer(state).args)).code).toBe(0);
    const pinned = pinOf(state);
    switchKey(true);
    try {
      const { args, report } = fromServer(state);
      const r = await run(args);
      expect(r.code).toBe(3);
      expect(r.out).toContain(
        `key_changed: the server now hands out the log key ${otherKey.verifierKey}, not ${logKey.verifierKey} as pinned in ${join(state, 'state.json')}`,
      );
      expect(r.out.split('\n').at(-1)).toMatch(/^KEY CHANGED: /);
      expect(report()).toMatchObject({
        result: 'key_changed',
        exitCode: 3,
        clean: false,
        checkpoint: null,
        tree: null,
        findings: [expect.objectContaining({ kind: 'trust', code: 'key_changed' })],
      });
      expect(pinOf(state)).toEqual(pinned);
    } finally {
      switchKey(false);
    }
  });

  it('a server that now names other witnesses fails the same way', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    expect((await run(fromServer(state).args)).code).toBe(0);
    served.witnesses.push(witnesses[1]!.verifierKey);
    try {
      const r = await run(fromServer(state).args);
      expect(r.code).toBe(3);
      expect(r.out).toContain('key_changed: the server now names the witnesses');
    } finally {
      served.witnesses.pop();
    }
  });

  it('a --log-key other than the pinned one is reported too, even when the log verifies with it', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    expect((await run(fromServer(state).args)).code).toBe(0);
    switchKey(true);
    try {
      const r = await run(fromServer(state, '--log-key', otherKey.verifierKey).args);
      expect(r.code).toBe(3);
      expect(r.out).toContain(
        `key_changed: you gave the log key ${otherKey.verifierKey}, not ${logKey.verifierKey} as pinned in ${join(state, 'state.json')}`,
      );
      expect(r.out).toContain("(from the server's own answer)");
    } finally {
      switchKey(false);
    }
  });

  it('keys given with --log-key are pinned without a warning, and a server switching to others later is refused', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    const first = await run(trusted(state));
    expect(first.code, first.out).toBe(0);
    expect(first.err).not.toContain('WARNING');
    expect(pinOf(state)).toMatchObject({ logKey: logKey.verifierKey, from: '--log-key' });
    switchKey(true);
    try {
      const r = await run(fromServer(state).args);
      expect(r.code).toBe(3);
      expect(r.out).toContain('(from --log-key)');
    } finally {
      switchKey(false);
    }
  });
});

describe('the state folder', () => {
  it('is the user state directory of each platform, with XDG_STATE_HOME only when absolute', () => {
    expect(userStateHome({}, 'linux', '/home/ann')).toBe('/home/ann/.local/state');
    expect(userStateHome({ XDG_STATE_HOME: '/var/ann' }, 'linux', '/home/ann')).toBe('/var/ann');
    expect(userStateHome({ XDG_STATE_HOME: 'rel' }, 'freebsd', '/home/ann')).toBe(
      '/home/ann/.local/state',
    );
    expect(userStateHome({ XDG_STATE_HOME: '/x' }, 'darwin', '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support',
    );
    expect(userStateHome({}, 'win32', '/home/ann')).toBe(join('/home/ann', 'AppData', 'Local'));
  });

  it('is one folder per audited site: host, port and path', () => {
    expect(siteFolder(new URL('https://goodtrace.example/'))).toBe('goodtrace.example');
    expect(siteFolder(new URL('http://127.0.0.1:3000'))).toBe('127.0.0.1_3000');
    expect(siteFolder(new URL('https://example.org:8443/give/'))).toBe('example.org_8443_give');
    expect(siteFolder(new URL('https://example.org/../..'))).toBe('example.org');
    expect(defaultAuditState('/s', new URL('https://a.example'))).toBe(
      join('/s', 'goodtrace', 'audit', 'a.example'),
    );
  });

  it('without --state, two sites get two folders under the state home, nothing in the current directory', async () => {
    const home = mkdtempSync(join(scratch, 'home-'));
    const cwd = mkdtempSync(join(scratch, 'cwd-'));
    const args = (url: string) => ['audit', url, '--skip-api', '--skip-evidence'];
    expect((await run(args(base), { stateHome: home, cwd })).code).toBe(0);
    // The same server under another name is another site: its own folder, its own pin.
    const alias = base.replace('127.0.0.1', 'localhost');
    expect((await run(args(alias), { stateHome: home, cwd })).code).toBe(0);
    const port = new URL(base).port;
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(existsSync(join(home, 'goodtrace', 'audit', `${host}_${port}`, 'state.json'))).toBe(
        true,
      );
    }
    expect(existsSync(join(cwd, 'goodtrace-audit'))).toBe(false);
  });

  it('without --state and without a known state home, asks for --state (exit 2)', async () => {
    const r = await run(['audit', base, '--skip-api', '--skip-evidence']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('give --state DIR');
  });

  it('refuses a state.json it did not write (exit 2) rather than overwrite it', async () => {
    const state = mkdtempSync(join(scratch, 's-'));
    writeFileSync(join(state, 'state.json'), '{"version":1,"logKey":"x"}');
    const r = await run(trusted(state));
    expect(r.code).toBe(2);
    expect(r.err).toContain('was not written by this version of goodtrace audit');
  });

  // XDG is the Linux and BSD convention; macOS and Windows have theirs (tested above).
  it.skipIf(process.platform === 'darwin' || process.platform === 'win32')(
    'the goodtrace command keeps it under $XDG_STATE_HOME, else ~/.local/state, of the environment it runs in',
    async () => {
      const bin = fileURLToPath(new URL('../bin/goodtrace.js', import.meta.url));
      const audit = (env: Record<string, string>) =>
        new Promise<number | null>((resolve) => {
          const { XDG_STATE_HOME: _x, HOME: _h, ...rest } = process.env;
          const child = spawn(
            process.execPath,
            [bin, 'audit', base, '--skip-api', '--skip-evidence'],
            { cwd: scratch, env: { ...rest, INIT_CWD: '', ...env }, stdio: 'ignore' },
          );
          child.on('close', resolve);
        });
      const site = siteFolder(new URL(base));
      const home = mkdtempSync(join(scratch, 'home-'));
      expect(await audit({ HOME: home })).toBe(0);
      expect(
        existsSync(join(home, '.local', 'state', 'goodtrace', 'audit', site, 'state.json')),
      ).toBe(true);
      const xdg = mkdtempSync(join(scratch, 'xdg-'));
      expect(await audit({ HOME: home, XDG_STATE_HOME: xdg })).toBe(0);
      expect(existsSync(join(xdg, 'goodtrace', 'audit', site, 'state.json'))).toBe(true);
      expect(existsSync(join(scratch, 'goodtrace-audit'))).toBe(false);
    },
  );
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
