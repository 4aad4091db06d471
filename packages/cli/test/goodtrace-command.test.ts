import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { verifyCommandLine } from '@goodtrace/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/command.js';
import { main } from '../src/main.js';
import { makeLog, ORIGIN, removeWrittenFiles, withoutCosignature, writeJson } from './fixtures.js';

const log = makeLog();
const witnessArgs = log.witnessKeys.flatMap((w) => ['--witness', w.verifierKey]);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: tmpdir(),
    fetch: globalThis.fetch,
  };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

afterAll(removeWrittenFiles);

describe('goodtrace verify', () => {
  it('prints each check and exits 0 for a genuine receipt', async () => {
    const file = writeJson(log.receipt(1));
    const r = await run(['verify', file, '--log-key', log.logKey.verifierKey, ...witnessArgs]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^✓ log signature by ${ORIGIN}: key ID [0-9a-f]{8}$`)),
      '✓ 3 of 3 witness cosignatures: quorum 3: witness-0.test, witness-1.test, witness-2.test',
      expect.stringMatching(/^✓ inclusion of leaf 1 in tree 5: leaf hash \S+, root \S+$/),
      expect.stringMatching(/^ {2}event donation\.received \(v1\) at .*, ¥1,284\.56, /),
      'VALID',
    ]);
  });

  it('checks the donor commitment of a donor receipt file', async () => {
    const d = log.donations[0]!;
    const file = writeJson({
      receipt: log.receipt(0),
      donor: { secret: d.secret, donationId: d.donationId },
    });
    const r = await run(['verify', file, '--log-key', log.logKey.verifierKey, '--origin', ORIGIN]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`✓ checkpoint origin ${ORIGIN}`);
    expect(r.out).toContain('✓ 0 of 0 witness cosignatures: no witness trusted');
    expect(r.out).toContain(`✓ donor commitment for donation ${d.donationId}`);
  });

  it('exits 1 with the failing check for a tampered amount', async () => {
    const receipt = log.receipt(2);
    (receipt.event.data as { amount: number }).amount += 100;
    const r = await run([
      'verify',
      writeJson(receipt),
      '--log-key',
      log.logKey.verifierKey,
      ...witnessArgs,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^✗ inclusion of leaf 2 in tree 5: the inclusion proof does not lead/m);
    expect(r.out.split('\n').at(-1)).toBe('INVALID');
  });

  it('exits 1, not valid yet, when the quorum is not met, and 0 with a lower --quorum', async () => {
    const file = writeJson(withoutCosignature(log.receipt(2), 'witness-2.test'));
    const args = ['verify', file, '--log-key', log.logKey.verifierKey, ...witnessArgs];
    const strict = await run(args);
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('✗ 2 of 3 witness cosignatures: 2 of the required 3');
    expect(strict.out.split('\n').at(-1)).toMatch(/^NOT YET VALID: /);
    expect((await run([...args, '--quorum', '2'])).code).toBe(0);
  });

  it('exits 1 for a file that is not JSON', async () => {
    const r = await run(['verify', writeJson('{not json'), '--log-key', log.logKey.verifierKey]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^✗ receipt file: .* is not JSON/);
  });

  it.each([
    [[], /Usage: goodtrace <command>/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['verify'], /give exactly one receipt file/],
    [['verify', 'r.json', '--bogus'], /Unknown option '--bogus'/],
    [['verify', '/no/such/receipt.json', '--log-key', 'x'], /cannot read .*ENOENT/],
    [['verify', '__FILE__'], /give the log key \(--log-key\) or --log-url/],
    [
      ['verify', '__FILE__', '--log-key', 'not-a-key'],
      /--log-key "not-a-key" is not a verifier key/,
    ],
    [
      ['verify', '__FILE__', '--log-key', '__KEY__', '--quorum', '1'],
      /--quorum 1 is more than the 0/,
    ],
    [['verify', '__FILE__', '--log-key', '__KEY__', '--quorum', 'two'], /whole number/],
    [
      ['verify', '__FILE__', '--log-key', '__KEY__', '--log-url', 'https://x.test'],
      /either --log-url, or --log-key/,
    ],
    [['verify', '__FILE__', '--log-url', 'ftp://x.test'], /is not an http\(s\) URL/],
    // The log's own key posing as a witness would count twice: the ledger refuses the policy.
    [['verify', '__FILE__', '--log-key', '__KEY__', '--witness', '__KEY__'], /share a public key/],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const file = writeJson(log.receipt(0));
    const r = await run(
      argv.map((a) => (a === '__FILE__' ? file : a === '__KEY__' ? log.logKey.verifierKey : a)),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('shows in its help the command the receipt pages show, run from a checkout', async () => {
    const r = await run(['verify', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(verifyCommandLine('https://host'));
  });

  it('prints the subcommand table for help', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}verify +check a receipt offline/m);
  });
});

describe('goodtrace verify --log-url', () => {
  let server: Server;
  let base: string;
  let answer = {
    key: log.logKey.verifierKey,
    info: {
      origin: ORIGIN,
      verifierKey: log.logKey.verifierKey,
      witnesses: log.witnessKeys.map((w, i) => ({
        name: `witness-${i}.test`,
        url: `https://w${i}.test`,
        verifierKey: w.verifierKey,
        cosigned: true,
      })),
    } as unknown,
  };
  const initial = answer;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/log/key') res.end(`${answer.key}\n`);
      else if (req.url === '/api/log')
        res.setHeader('content-type', 'application/json').end(JSON.stringify(answer.info));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("takes the key, origin and witnesses from the server, saying it trusts the operator's answer", async () => {
    answer = initial;
    const r = await run(['verify', writeJson(log.receipt(3)), '--log-url', `${base}/`]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(
      /^! Trusting 127\.0\.0\.1:\d+'s own answer for the log key/,
    );
    expect(r.out).toContain(`✓ checkpoint origin ${ORIGIN}`);
    expect(r.out).toContain('✓ 3 of 3 witness cosignatures');
  });

  it('exits 2 when the server contradicts itself or cannot be reached', async () => {
    answer = { ...initial, key: log.witnessKeys[0]!.verifierKey };
    const contradicting = await run(['verify', writeJson(log.receipt(3)), '--log-url', base]);
    expect(contradicting.code).toBe(2);
    expect(contradicting.err).toMatch(/name different log keys/);
    answer = initial;
    const missing = await run([
      'verify',
      writeJson(log.receipt(3)),
      '--log-url',
      `${base}/nothing`,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/answered 404/);
  });
});

describe('the goodtrace bin', () => {
  const bin = fileURLToPath(new URL('../bin/goodtrace.js', import.meta.url));

  function spawnBin(args: string[]): Promise<{ code: number | null; out: string }> {
    // From a folder outside the repository: the bin must find its sources on its own.
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, INIT_CWD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
  }

  it('verifies a receipt file and exits 0, or 1 when it is forged', async () => {
    const good = writeJson(log.receipt(4));
    const ok = await spawnBin([
      'verify',
      good,
      '--log-key',
      log.logKey.verifierKey,
      ...witnessArgs,
    ]);
    expect(ok.out).toMatch(/✓ inclusion of leaf 4 in tree 5[\s\S]*VALID\n$/);
    expect(ok.code).toBe(0);
    const forged = log.receipt(4);
    forged.event.at = '2026-11-27T00:00:00Z';
    const bad = await spawnBin(['verify', writeJson(forged), '--log-key', log.logKey.verifierKey]);
    expect(bad.out).toMatch(/✗ inclusion of leaf 4 in tree 5/);
    expect(bad.code).toBe(1);
  });
});
