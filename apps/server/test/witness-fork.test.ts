import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@goodtrace/cli';
import { generateSignerKey, hashLeaf, verifyReceipt } from '@goodtrace/ledger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addCheckpoint, TestLog } from '../../../packages/cli/test/witness-log.js';
import { appendEvent } from '../src/ledger/append-event.js';
import { currentSize, getReceipt, readEntries } from '../src/ledger/read.js';
import {
  type Client,
  createStaff,
  startTestApp,
  type TestApp,
  testLogOrigin,
} from './support/app.js';
import { drainLog } from './support/money.js';

/**
 * Two real `goodtrace witness` processes beside a server configured with both and a quorum of
 * 2: the k-of-n receipt policy holds, forks are refused by both witnesses with the C2SP codes,
 * and a witness that was shown a fork makes the server raise the alarm.
 */
const bin = fileURLToPath(new URL('../../../packages/cli/bin/goodtrace.js', import.meta.url));
const logKey = generateSignerKey(testLogOrigin);
const logVerifierKey = logKey.verifierKey;
const dirs: string[] = [];

interface WitnessProcess {
  name: string;
  url: string;
  verifierKey: string;
  port: number;
  stateDir: string;
  child: ChildProcess;
  stderr: () => string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function spawnWitness(name: string, stateDir: string, port: number): Promise<WitnessProcess> {
  const child = spawn(
    process.execPath,
    [
      bin,
      'witness',
      '--name',
      name,
      '--state-dir',
      stateDir,
      '--listen',
      `127.0.0.1:${port}`,
      '--log',
      logVerifierKey,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const started = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (\S+)\nverifier key: (\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m);
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error(`witness ${name} exited:\n${out}${err}`));
    });
  });
  return {
    name,
    url: started[1]!,
    verifierKey: started[2]!,
    port,
    stateDir,
    child,
    stderr: () => err,
  };
}

async function stop(w: WitnessProcess): Promise<number | null> {
  if (w.child.exitCode !== null) return w.child.exitCode;
  const exited = new Promise<number | null>((resolve) => w.child.on('exit', (c) => resolve(c)));
  w.child.kill('SIGTERM');
  return exited;
}

let t: TestApp;
let one: WitnessProcess;
let two: WitnessProcess;
let auditor: Client;
let events = 0;

async function logEvents(n: number): Promise<string[]> {
  const ids: string[] = [];
  await t.database.db.transaction().execute(async (tx) => {
    for (let i = 0; i < n; i++) {
      ids.push(
        await appendEvent(tx, {
          type: 'test.event',
          v: 1,
          at: '2026-11-27T08:00:00.000Z',
          data: { n: events++ },
        }),
      );
    }
  });
  await drainLog(t);
  return ids;
}

/** The log as the database holds it, for building forks that share its history. */
async function realLog(): Promise<TestLog> {
  const db = t.database.db;
  const rows = await readEntries(db, 0, await currentSize(db));
  return new TestLog(
    testLogOrigin,
    logKey.signerKey,
    rows.map((r) => hashLeaf(r.leaf)),
  );
}

const receipt = (id: string) => t.app.inject({ url: `/api/log/receipts/${id}` });

async function alarmsNow() {
  return (await auditor.get('/api/log/alarms')).json().items as {
    id: string;
    kind: string;
    witness: string;
    treeSize: number;
  }[];
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'goodtrace-witness-fork-'));
  dirs.push(root);
  const [p1, p2] = [await freePort(), await freePort()];
  [one, two] = await Promise.all([
    spawnWitness('witness-one.test', join(root, 'one'), p1),
    spawnWitness('witness-two.test', join(root, 'two'), p2),
  ]);
  t = await startTestApp({
    env: {
      LOG_SIGNER_KEY: logKey.signerKey,
      LOG_WITNESSES: JSON.stringify([
        { verifierKey: one.verifierKey, url: one.url },
        { verifierKey: two.verifierKey, url: two.url },
      ]),
      LOG_WITNESS_QUORUM: '2',
    },
  });
  auditor = await createStaff(t, 'auditor@witness-fork.test', 'auditor');
});

afterAll(async () => {
  await t?.close();
  for (const w of [one, two]) if (w) await stop(w);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('two witness processes beside the server', () => {
  it('cosign each checkpoint; receipts complete once both have (quorum 2 of 2)', async () => {
    const info = (await t.app.inject({ url: '/api/log' })).json();
    expect(info.quorum).toBe(2);
    const [id] = await logEvents(3);
    expect(await t.app.ledger.witnesses.syncAll()).toEqual([one.name, two.name]);
    const res = await receipt(id!);
    expect(res.statusCode).toBe(200);
    const v = verifyReceipt(res.json(), {
      logKey: logVerifierKey,
      witnesses: [one.verifierKey, two.verifierKey],
      quorum: 2,
      origin: testLogOrigin,
    });
    expect(v.cosignatures.map((c) => c.name).sort()).toEqual([one.name, two.name]);
    const state = (await (await fetch(`${one.url}/state`)).json()) as { logs: unknown[] };
    expect(state.logs[0]).toMatchObject({ origin: testLogOrigin, size: v.treeSize });

    // An outsider with nothing but the three keys audits the live log: the checkpoint with
    // both cosignatures (2 of 2), every tile and entry, the books.
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const out: string[] = [];
    const keys = ['--log-key', logVerifierKey, '--witness', one.verifierKey];
    const audit = (quorum: string, witnesses: string[]) =>
      main(
        [
          'audit',
          base,
          '--state',
          join(dirs[0]!, `audit-${quorum}`),
          '--skip-evidence',
          '--quorum',
          quorum,
          ...keys,
          ...witnesses,
        ],
        { out: (l) => out.push(l), err: () => {}, cwd: dirs[0]!, fetch },
      );
    expect(await audit('2', ['--witness', two.verifierKey])).toBe(0);
    expect(out.at(-1)).toMatch(/^CLEAN: the log and every balance check out/);
    // Asking for a cosignature the checkpoint does not have fails the audit.
    const stranger = generateSignerKey('stranger.test', { type: 0x04 }).verifierKey;
    out.length = 0;
    expect(await audit('3', ['--witness', two.verifierKey, '--witness', stranger])).toBe(1);
    expect(out.join('\n')).toMatch(/2 of the required 3 witness cosignatures verified/);
  });

  it('with one witness stopped, newer receipts stay pending under quorum 2; quorum 1 would accept', async () => {
    const [older] = await logEvents(1);
    await t.app.ledger.witnesses.syncAll();
    expect(await stop(two)).toBe(0);

    const [id] = await logEvents(2);
    expect(await t.app.ledger.witnesses.syncAll()).toEqual([one.name]);
    expect((await receipt(id!)).statusCode).toBe(202);
    // Events already covered by a checkpoint both cosigned keep their receipts.
    expect((await receipt(older!)).statusCode).toBe(200);
    const policy = { quorum: 1, witnesses: [one.name, two.name] };
    const lenient = await getReceipt(t.database.db, id!, { policy, tiles: t.app.ledger.tiles });
    expect(lenient.status).toBe('complete');
    if (lenient.status !== 'complete') return;
    const v = verifyReceipt(lenient.receipt, {
      logKey: logVerifierKey,
      witnesses: [one.verifierKey, two.verifierKey],
      quorum: 1,
    });
    expect(v.cosignatures.map((c) => c.name)).toEqual([one.name]);

    // Back on the same port with its state: it catches up from the size it cosigned.
    two = await spawnWitness(two.name, two.stateDir, two.port);
    expect(await t.app.ledger.witnesses.syncAll()).toEqual([one.name, two.name]);
    expect((await receipt(id!)).statusCode).toBe(200);
  });

  it('refuses a forked checkpoint of the same size (409) and a rewrite of history (422) at both witnesses, which raise the alarm the server shows its auditors', async () => {
    const log = await realLog();
    const n = log.size;
    // Signed with the log's own key: only the witnesses' memory can tell these are forks.
    const sameSize = log.fork(n - 1).append(1, 'forged');
    const rewrite = log.fork(n - 2).append(9, 'rewritten');
    for (const w of [one, two]) {
      expect(await addCheckpoint(w.url, sameSize.body(n))).toEqual({
        status: 409,
        type: 'text/x.tlog.size',
        text: `${n}\n`,
      });
      expect((await addCheckpoint(w.url, rewrite.body(n))).status).toBe(422);
      // Each refusal is a structured line on the witness's stderr (a pipe: it may lag a little),
      // and a signed checkpoint that contradicts the cosigned one is a fork alarm.
      await vi.waitFor(() => {
        expect(w.stderr()).toMatch(
          /"msg":"add-checkpoint refused","status":409,"reason":"root_mismatch"/,
        );
        expect(w.stderr()).toMatch(/"status":422,"reason":"inconsistent"/);
        expect(w.stderr()).toMatch(/"level":"error","msg":"FORK ALARM: /);
      });
      const metrics = await (await fetch(`${w.url}/metrics`)).text();
      expect(metrics).toContain(`goodtrace_witness_fork_alarms_total{origin="${testLogOrigin}"} 2`);
      expect(metrics).toContain('goodtrace_witness_refused_total{reason="root_mismatch"} 1');
      // The evidence: both signed checkpoints, for anyone holding the log's key to check.
      const { items: evidence } = (await (await fetch(`${w.url}/alarms`)).json()) as {
        items: { kind: string; size: number; heldSize: number }[];
      };
      expect(evidence.map((a) => [a.kind, a.size, a.heldSize])).toEqual([
        ['inconsistent_proof', n + 7, n],
        ['same_size_other_root', n, n],
      ]);
    }
    // Refused forks moved no witness: the log goes on, cosigned by both, and the server, which
    // reads each witness's evidence, raises an alarm for every signed checkpoint not its own.
    await logEvents(1);
    expect(await t.app.ledger.witnesses.syncAll()).toEqual([one.name, two.name]);
    const alarms = (await auditor.get('/api/log/alarms')).json().items as {
      kind: string;
      witness: string;
      treeSize: number;
      detail: string;
    }[];
    expect(alarms.map((a) => [a.kind, a.witness, a.treeSize]).sort()).toEqual(
      [
        ['witness_refused_fork', one.name, n],
        ['witness_refused_fork', one.name, n + 7],
        ['witness_refused_fork', two.name, n],
        ['witness_refused_fork', two.name, n + 7],
      ].sort(),
    );
    expect(alarms[0]!.detail).toMatch(/someone holding the key showed it another history/);
    // Met again every round, raised once.
    await t.app.ledger.witnesses.syncAll();
    expect((await auditor.get('/api/log/alarms')).json().items).toHaveLength(4);
  });

  it('raises the alarm when it next talks to a witness that has cosigned a fork', async () => {
    const errors = vi.spyOn(t.app.log, 'error');
    const earlier = new Set((await alarmsNow()).map((a) => a.id));
    // A split view: the log's key signs an extension of the cosigned history that the server
    // never wrote, and shows it to witness one only. It is consistent, so witness one cosigns.
    const log = await realLog();
    const n = log.size;
    const split = log.fork(n).append(5, 'split');
    expect((await addCheckpoint(one.url, split.body(n))).status).toBe(200);

    const ids = await logEvents(8);
    // Witness one holds size n + 5 of the other view: the proof from it to ours fails (422).
    expect(await t.app.ledger.witnesses.syncAll()).toEqual([two.name]);
    const alarms = (await alarmsNow()).filter((a) => a.kind !== 'witness_refused_fork');
    expect(alarms).toEqual([
      {
        id: expect.any(String),
        kind: 'proof_rejected',
        witness: one.name,
        treeSize: n + 5,
        detail: expect.stringContaining(`its checkpoint of size ${n + 5} is not the log's`),
        createdAt: expect.any(String),
      },
    ]);
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ alarm: 'proof_rejected', witness: one.name, treeSize: n + 5 }),
      expect.stringMatching(/^FORK ALARM: /),
    );
    // The quorum is not met while witness one refuses: the new events' receipts wait.
    expect((await receipt(ids[0]!)).statusCode).toBe(202);

    // Witness one refused our checkpoint, and its evidence shows the other view it holds.
    expect(await alarmsNow()).toContainEqual(
      expect.objectContaining({ kind: 'witness_refused_fork', witness: one.name, treeSize: n + 5 }),
    );
    // Met again every round, raised once.
    const before = (await alarmsNow()).length;
    await t.app.ledger.witnesses.syncAll();
    expect(await alarmsNow()).toHaveLength(before);

    // Pushed further along the other view, beyond anything the log signed.
    split.append(40, 'split');
    expect((await addCheckpoint(one.url, split.body(n + 5))).status).toBe(200);
    await t.app.ledger.witnesses.syncAll();
    const kinds = (await alarmsNow())
      .filter((a) => !earlier.has(a.id))
      .map((a) => [a.kind, a.treeSize]);
    expect(kinds).toEqual([
      ['witness_ahead', n + 45],
      ['witness_refused_fork', n + 5],
      ['proof_rejected', n + 5],
    ]);
    // Witness one's alarms: two from the forks before, three here; each logged once.
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(`goodtrace_ledger_fork_alarms_total{witness="${one.name}"} 5`);
    expect(errors).toHaveBeenCalledTimes(3);

    // Only platform staff see the alarms.
    expect((await t.app.inject({ url: '/api/log/alarms' })).statusCode).toBe(401);
    const state = await t.database.db
      .selectFrom('ledger_witness_state')
      .select(['witness', 'last_error'])
      .where('witness', '=', one.name)
      .executeTakeFirstOrThrow();
    expect(state.last_error).toMatch(/beyond any checkpoint of this log/);
  });
});
