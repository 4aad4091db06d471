import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeBase64,
  formatCheckpoint,
  generateSignerKey,
  KEY_TYPE_COSIGNATURE_V1,
  openNote,
  parseVerifierKey,
  signNote,
  splitNote,
  type Verifier,
  verifyCosignature,
} from '@goodtrace/ledger';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../src/command.js';
import { main } from '../src/main.js';
import type { WitnessAlarm } from '../src/witness/witness-alarms.js';
import { loadWitnessConfig } from '../src/witness/witness-config.js';
import { type RunningWitness, startWitness } from '../src/witness/witness-server.js';
import { addCheckpoint, TestLog } from './witness-log.js';

const ORIGIN = 'witness-test.example/log';
const logKey = generateSignerKey(ORIGIN);
const witnessKey = generateSignerKey('witness.test', { type: KEY_TYPE_COSIGNATURE_V1 });
const otherKey = generateSignerKey('other.example/log');
const logs = new Map<string, Verifier[]>([
  [ORIGIN, [parseVerifierKey(logKey.verifierKey)]],
  ['other.example/log', [parseVerifierKey(otherKey.verifierKey)]],
]);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'goodtrace-witness-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let dir: string;
let witness: RunningWitness;
let logLines: Record<string, unknown>[];

async function start(faults?: Parameters<typeof startWitness>[0]['faults']) {
  return startWitness({
    signerKey: witnessKey.signerKey,
    logs,
    stateDir: dir,
    log: (e) => logLines.push(e),
    ...(faults ? { faults } : {}),
  });
}

function cosignatureOf(log: TestLog, size: number, line: string) {
  return verifyCosignature({
    checkpoint: splitNote(log.checkpoint(size)).text,
    signature: line,
    verifierKey: witnessKey.verifierKey,
  });
}

beforeEach(async () => {
  dir = tempDir();
  logLines = [];
  witness = await start();
});
afterEach(async () => {
  await witness.close();
});

describe('goodtrace witness: add-checkpoint', () => {
  it('cosigns a growing log, each checkpoint consistent with the last one cosigned', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(5);
    const first = await addCheckpoint(witness.url, log.body(0));
    expect(first.status).toBe(200);
    expect(first.text).toMatch(/^— witness\.test \S+\n$/);
    expect(cosignatureOf(log, 5, first.text).name).toBe('witness.test');

    log.append(7);
    const second = await addCheckpoint(witness.url, log.body(5));
    expect(second.status).toBe(200);
    expect(cosignatureOf(log, 12, second.text).timestamp).toBeGreaterThan(0);
    // The same checkpoint again is cosigned again (a client that lost the answer retries).
    expect((await addCheckpoint(witness.url, log.body(12))).status).toBe(200);

    const state = await (await fetch(`${witness.url}/state`)).json();
    expect(state).toMatchObject({
      name: 'witness.test',
      verifierKey: witnessKey.verifierKey,
      logs: [
        { origin: 'other.example/log', size: 0, checkpoint: null },
        { origin: ORIGIN, size: 12, rootHash: encodeBase64(log.root(12)) },
      ],
    });
    // The monitoring read: the checkpoint held, with the log's signature and the cosignature.
    const hash = createHash('sha256').update(ORIGIN).digest('hex');
    const held = await (await fetch(`${witness.url}/${hash}/checkpoint`)).text();
    const opened = openNote(held, [
      parseVerifierKey(logKey.verifierKey),
      parseVerifierKey(witnessKey.verifierKey),
    ]);
    expect(opened.signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness.test']);
    expect(logLines.filter((l) => l.msg === 'cosigned').map((l) => l.size)).toEqual([5, 12, 12]);
  });

  it('refuses a smaller size, a stale old size, another root, a bad proof with the spec codes', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(12);
    expect((await addCheckpoint(witness.url, log.body(0))).status).toBe(200);

    // A smaller checkpoint: old beyond its size is malformed; old = its size is not what we hold.
    expect((await addCheckpoint(witness.url, log.body(12, 8, { proof: [] }))).status).toBe(400);
    const smaller = await addCheckpoint(witness.url, log.body(8, 8));
    expect(smaller).toEqual({ status: 409, type: 'text/x.tlog.size', text: '12\n' });
    // A stale old size (a client that missed a cosignature) learns the size held.
    log.append(8);
    const stale = await addCheckpoint(witness.url, log.body(5));
    expect(stale).toEqual({ status: 409, type: 'text/x.tlog.size', text: '12\n' });
    expect((await addCheckpoint(witness.url, log.body(0))).text).toBe('12\n');

    // The same size with another root: a fork.
    const fork = log.fork(6).append(6, 'forged');
    expect(await addCheckpoint(witness.url, fork.body(12, 12))).toEqual({
      status: 409,
      type: 'text/x.tlog.size',
      text: '12\n',
    });
    // A bigger checkpoint that rewrites history: its own proof does not lead from our root.
    const rewrite = log.fork(6).append(14, 'rewritten');
    expect((await addCheckpoint(witness.url, rewrite.body(12))).status).toBe(422);
    // The true next checkpoint with a damaged proof.
    const proof = log.proof(12, 20);
    proof[0] = new Uint8Array(32);
    expect((await addCheckpoint(witness.url, log.body(12, 20, { proof }))).status).toBe(422);
    // A proof cut short, and a proof where none is due.
    expect(
      (await addCheckpoint(witness.url, log.body(12, 20, { proof: log.proof(12, 20).slice(1) })))
        .status,
    ).toBe(422);
    expect(
      (await addCheckpoint(witness.url, log.body(12, 12, { proof: log.proof(12, 20) }))).status,
    ).toBe(422);

    // None of that moved the witness: the true next checkpoint is still cosigned.
    expect((await addCheckpoint(witness.url, log.body(12, 20))).status).toBe(200);
    const refusals = logLines.filter((l) => l.msg === 'add-checkpoint refused');
    expect(refusals.map((l) => [l.status, l.reason])).toEqual([
      [400, 'old_beyond_size'],
      [409, 'old_size_mismatch'],
      [409, 'old_size_mismatch'],
      [409, 'old_size_mismatch'],
      [409, 'root_mismatch'],
      [422, 'inconsistent'],
      [422, 'inconsistent'],
      [422, 'inconsistent'],
      [422, 'bad_proof'],
    ]);
    expect(refusals[0]).toMatchObject({ level: 'warn', remote: expect.any(String) });
  });

  it('refuses a checkpoint without a valid signature by the log (403) or of an unknown log (404)', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(3);
    // Signed by a key of the same name that the witness does not trust.
    const impostor = generateSignerKey(ORIGIN).signerKey;
    const unsigned = await addCheckpoint(
      witness.url,
      log.body(0, 3, { note: log.checkpoint(3, [impostor]) }),
    );
    expect(unsigned.status).toBe(403);
    // The log's own signature line, over other text.
    const note = log.checkpoint(3);
    const sig = note.slice(note.indexOf('\n\n') + 2);
    const other = log.fork(0).append(3, 'other').checkpoint(3);
    const tampered = other.slice(0, other.indexOf('\n\n') + 2) + sig;
    expect((await addCheckpoint(witness.url, log.body(0, 3, { note: tampered }))).status).toBe(403);
    // A log this witness does not watch, however well signed.
    const stranger = generateSignerKey('stranger.example/log');
    const unknown = new TestLog('stranger.example/log', stranger.signerKey).append(2);
    expect((await addCheckpoint(witness.url, unknown.body(0))).status).toBe(404);
    // The origin decides which keys count: the other watched log's key does not sign for ours.
    expect(
      (
        await addCheckpoint(
          witness.url,
          log.body(0, 3, { note: log.checkpoint(3, [otherKey.signerKey]) }),
        )
      ).status,
    ).toBe(403);
    expect(logLines.filter((l) => l.status === 403).map((l) => l.reason)).toEqual([
      'log_signature',
      'log_signature',
      'log_signature',
    ]);
  });

  it('refuses malformed bodies with 400 and a proof from size 0 or a bad empty tree with 422', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(4);
    const note = log.checkpoint();
    const hash = encodeBase64(new Uint8Array(32));
    for (const body of [
      '',
      note,
      `old 0\n${note}`,
      `old x\n\n${note}`,
      `old 01\n\n${note}`,
      `old -1\n\n${note}`,
      `old 99999999999999999\n\n${note}`,
      `old 2\nnot base64!\n\n${note}`,
      `old 2\n${encodeBase64(new Uint8Array(31))}\n\n${note}`,
      `old 2\n${`${hash}\n`.repeat(64)}\n${note}`,
      'old 0\n\nnot a checkpoint\n',
      `old 0\n\n${splitNote(note).text}`,
      `old 0\n\n${ORIGIN}\nten\n${encodeBase64(log.root())}\n\n${note.slice(note.indexOf('\n\n') + 2)}`,
    ]) {
      const r = await addCheckpoint(witness.url, body);
      expect([body, r.status]).toEqual([body, 400]);
    }
    expect((await addCheckpoint(witness.url, Uint8Array.of(0x6f, 0xff, 0xfe, 0x0a))).status).toBe(
      400,
    );
    const get = await fetch(`${witness.url}/add-checkpoint`);
    expect(get.status).toBe(405);
    expect((await fetch(`${witness.url}/nothing`)).status).toBe(404);
    const huge = await addCheckpoint(witness.url, `old 0\n\n${'x'.repeat(70_000)}`);
    expect(huge.status).toBe(413);

    expect(
      (await addCheckpoint(witness.url, log.body(0, 4, { proof: [new Uint8Array(32)] }))).status,
    ).toBe(422);
    // A size-0 checkpoint, well signed, whose root is not the empty tree's.
    const empty = new TestLog(ORIGIN, logKey.signerKey).append(1);
    const badRoot = formatCheckpoint({ origin: ORIGIN, size: 0, rootHash: empty.root(1) });
    expect(
      (await addCheckpoint(witness.url, `old 0\n\n${signNote(badRoot, [logKey.signerKey])}`))
        .status,
    ).toBe(422);
    // A size-0 checkpoint with the empty root is fine.
    expect((await addCheckpoint(witness.url, empty.body(0, 0))).status).toBe(200);
    expect(logLines.filter((l) => l.status === 400)).toHaveLength(14);
  });
});

describe('goodtrace witness: durable state', () => {
  it('raises a fork alarm for a signed checkpoint that contradicts the cosigned one: a line, a metric, the evidence, once, across a restart', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(10);
    expect((await addCheckpoint(witness.url, log.body(0))).status).toBe(200);
    const sameSize = log.fork(7).append(3, 'forged');
    const rewrite = log.fork(5).append(9, 'rewritten');
    // Whatever old size the sender claims, a second tree of the cosigned size is a fork.
    expect((await addCheckpoint(witness.url, sameSize.body(4))).status).toBe(409);
    expect((await addCheckpoint(witness.url, sameSize.body(10))).status).toBe(409);
    expect((await addCheckpoint(witness.url, rewrite.body(10))).status).toBe(422);
    // Not alarms: a stale size, and a checkpoint no trusted key signed.
    expect((await addCheckpoint(witness.url, log.body(3, 3))).status).toBe(409);
    const unsigned = new TestLog(ORIGIN, otherKey.signerKey).append(10);
    expect((await addCheckpoint(witness.url, unsigned.body(10))).status).toBe(403);

    const alarmLines = logLines.filter((l) => String(l.msg).startsWith('FORK ALARM: '));
    expect(alarmLines.map((l) => [l.level, l.alarm, l.size, l.heldSize])).toEqual([
      ['error', 'same_size_other_root', 10, 10],
      ['error', 'inconsistent_proof', 14, 10],
    ]);
    const alarms = async () =>
      ((await (await fetch(`${witness.url}/alarms`)).json()) as { items: WitnessAlarm[] }).items;
    const evidence = await alarms();
    expect(evidence).toEqual([
      expect.objectContaining({ kind: 'inconsistent_proof', origin: ORIGIN, size: 14 }),
      expect.objectContaining({ kind: 'same_size_other_root', origin: ORIGIN, size: 10 }),
    ]);
    // Both signed checkpoints are there for anyone holding the log's key to check.
    const forked = evidence[1]!;
    expect(forked.refused).toBe(sameSize.checkpoint(10));
    expect(forked.held.startsWith(log.checkpoint(10))).toBe(true);
    const metrics = await (await fetch(`${witness.url}/metrics`)).text();
    expect(metrics).toContain(`goodtrace_witness_fork_alarms_total{origin="${ORIGIN}"} 2`);
    expect(metrics).toContain('goodtrace_witness_cosigned_total 1');
    expect(metrics).toContain('goodtrace_witness_refused_total{reason="root_mismatch"} 2');

    await witness.close();
    witness = await start();
    expect(await alarms()).toHaveLength(2);
    // The same fork shown again after the restart is the same alarm.
    expect((await addCheckpoint(witness.url, sameSize.body(10))).status).toBe(409);
    expect(await alarms()).toHaveLength(2);
  });

  it('survives a restart: a new instance reads what the last one cosigned', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(9);
    expect((await addCheckpoint(witness.url, log.body(0))).status).toBe(200);
    await witness.close();
    const onDisk = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(onDisk.logs[ORIGIN]).toMatchObject({ size: 9, rootHash: encodeBase64(log.root()) });

    witness = await start();
    expect(witness.state.get(ORIGIN)?.size).toBe(9);
    expect((await addCheckpoint(witness.url, log.body(0))).text).toBe('9\n');
    const fork = log.fork(4).append(5, 'forged');
    expect((await addCheckpoint(witness.url, fork.body(9))).status).toBe(409);
    log.append(3);
    expect((await addCheckpoint(witness.url, log.body(9))).status).toBe(200);
  });

  it('a crash between writing the new state and renaming it leaves the old state, and nothing cosigned', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(6);
    expect((await addCheckpoint(witness.url, log.body(0))).status).toBe(200);
    await witness.close();
    witness = await start({
      beforeRename: () => {
        throw new Error('simulated crash');
      },
    });
    log.append(4);
    const crashed = await addCheckpoint(witness.url, log.body(6));
    expect(crashed.status).toBe(500);
    expect(crashed.text).not.toContain('—');
    // The half-done write is on disk beside the old state; the old state is intact.
    expect(existsSync(join(dir, 'state.json.tmp'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs[ORIGIN].size).toBe(6);
    await witness.close();

    witness = await start();
    expect(existsSync(join(dir, 'state.json.tmp'))).toBe(false);
    expect(witness.state.get(ORIGIN)?.size).toBe(6);
    expect((await addCheckpoint(witness.url, log.body(10))).text).toBe('6\n');
    // The size 10 checkpoint was never cosigned, so one inconsistent with it but consistent
    // with 6 may be; the witness has still cosigned one history only.
    const other = log.fork(6).append(4, 'other');
    expect((await addCheckpoint(witness.url, other.body(6))).status).toBe(200);
    expect((await addCheckpoint(witness.url, log.body(6))).text).toBe('10\n');
    expect((await addCheckpoint(witness.url, log.body(10, 10))).status).toBe(409);
  });

  it('concurrent requests for one log never both succeed with inconsistent checkpoints', async () => {
    const log = new TestLog(ORIGIN, logKey.signerKey).append(8);
    expect((await addCheckpoint(witness.url, log.body(0))).status).toBe(200);
    // Eight histories from size 8, each consistent with 8, no two consistent with each other.
    const forks = Array.from({ length: 8 }, (_, i) => log.fork(8).append(4 + i, `fork${i}`));
    const answers = await Promise.all(forks.map((f) => addCheckpoint(witness.url, f.body(8))));
    const won = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    expect(won).toHaveLength(1);
    const winner = forks[won[0]!]!;
    for (const [i, a] of answers.entries()) {
      if (i !== won[0])
        expect(a).toEqual({ status: 409, type: 'text/x.tlog.size', text: `${winner.size}\n` });
    }
    expect(cosignatureOf(winner, winner.size, answers[won[0]!]!.text).name).toBe('witness.test');
    expect(witness.state.get(ORIGIN)?.size).toBe(winner.size);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).logs[ORIGIN].size).toBe(
      winner.size,
    );
  });

  it('refuses a second witness on the same state folder, and a state file it cannot read', async () => {
    await expect(start()).rejects.toThrow(/another witness \(process \d+\) uses this state folder/);
    await witness.close();
    writeFileSync(join(dir, 'state.json'), '{"version": 1, "logs": {"x": {"size": "ten"}}}');
    await expect(start()).rejects.toThrow(/not a witness state file .*refusing to start/);
    writeFileSync(join(dir, 'state.json'), '{}');
    // A state file that does not parse is never taken for an empty one.
    await expect(start()).rejects.toThrow(/refusing to start/);
    rmSync(join(dir, 'state.json'));
    witness = await start();
  });
});

describe('goodtrace witness: the command', () => {
  async function run(argv: string[], cwd: string) {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), cwd, fetch };
    const code = await main(argv, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('init creates a 0600 cosignature/v1 key and prints its verifier key, once', async () => {
    const cwd = tempDir();
    const r = await run(['witness', 'init', '--name', 'w.example', '--state-dir', 'state'], cwd);
    expect(r.code).toBe(0);
    const vkey = /verifier key: (\S+)/.exec(r.out)![1]!;
    expect(parseVerifierKey(vkey)).toMatchObject({ name: 'w.example', type: 0x04 });
    expect(statSync(join(cwd, 'state', 'witness.key')).mode & 0o777).toBe(0o600);
    const again = await run(
      ['witness', 'init', '--name', 'w.example', '--state-dir', 'state'],
      cwd,
    );
    expect(again.code).toBe(2);
    expect(again.err).toContain('exists already');
  });

  it('explains its options, and refuses to serve without a log or with a bad key', async () => {
    const cwd = tempDir();
    const help = await run(['witness', '--help'], cwd);
    expect(help.out).toContain('POST /add-checkpoint');
    expect(help.out).toContain('--config FILE');
    expect((await run(['witness', '--name', 'w.example'], cwd)).err).toContain(
      'give at least one log to watch',
    );
    expect((await run(['witness', '--log', 'nonsense'], cwd)).err).toContain('not a verifier key');
    expect((await run(['witness', '--log', witnessKey.verifierKey], cwd)).err).toContain(
      'Ed25519 (0x01)',
    );
    expect((await run(['witness', 'frobnicate'], cwd)).code).toBe(2);
  });

  it('reads logs from flags and a JSON file: origin from the key name, or given', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'witness.json'),
      JSON.stringify({
        name: 'w.example',
        stateDir: 'data',
        listen: '0.0.0.0:0',
        logs: [{ origin: 'elsewhere.example/log', verifierKeys: [otherKey.verifierKey] }],
      }),
    );
    const config = await loadWitnessConfig(
      { config: 'witness.json', log: [logKey.verifierKey, `third.example=${logKey.verifierKey}`] },
      cwd,
    );
    expect(config).toMatchObject({
      name: 'w.example',
      stateDir: join(cwd, 'data'),
      keyFile: join(cwd, 'data', 'witness.key'),
      host: '0.0.0.0',
      port: 0,
    });
    expect([...config.logs.entries()].map(([o, k]) => [o, k.map((v) => v.name)])).toEqual([
      ['elsewhere.example/log', ['other.example/log']],
      [ORIGIN, [ORIGIN]],
      ['third.example', [ORIGIN]],
    ]);
    await expect(loadWitnessConfig({ listen: 'nowhere' }, cwd)).rejects.toThrow(/host:port/);
  });
});
