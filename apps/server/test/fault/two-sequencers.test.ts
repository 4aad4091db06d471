import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSignerKey } from '@goodtrace/ledger';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createMetrics } from '../../src/http/metrics.js';
import { initLogState, Sequencer } from '../../src/ledger/sequencer.js';
import { loadLogKey } from '../../src/ledger/signer-key.js';
import { createTestDatabase, createTestDatabaseUrl } from '../support/database.js';
import { expectConsistentWith, expectWellFormedLog, httpProof, readLog } from './log-check.js';
import { killAll, serverMain, spawnServer } from './spawn.js';
import { appendEvents, drained, sleep, tileProof, until } from './support.js';

const postgres = Boolean(process.env.TEST_DATABASE_URL);
const origin = 'fork.goodtrace.example/log';
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await killAll();
  for (const c of cleanup.reverse()) await c();
});

/** Appends from `loops` concurrent clients, `perLoop` events each; returns every outbox id. */
async function appendConcurrently(database: Database, loops: number, perLoop: number) {
  const ids = await Promise.all(
    Array.from({ length: loops }, (_, i) => appendEvents(database.db, `loop${i}`, perLoop, 1 + i)),
  );
  return ids.flat();
}

describe('two sequencers on one database', () => {
  it('in one process, running at once while events are appended, never fork the log', async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.close());
    const { signerKey } = generateSignerKey(origin);
    const key = loadLogKey({ origin, signerKey, keyFile: '/nonexistent', createIfMissing: false });
    await initLogState(database.db, key);
    const log = pino({ level: 'silent' });
    const sequencers = [0, 1].map(
      () =>
        new Sequencer({
          db: database.db,
          key,
          batchSize: 7,
          pollMs: 1,
          log,
          metrics: createMetrics().ledger,
        }),
    );
    for (const s of sequencers) s.start();
    // Besides their own loops, drive both by hand at the same instants.
    let appending = true;
    const racing = (async () => {
      let extra = 0;
      while (appending) {
        const got = await Promise.all(sequencers.map((s) => s.sequenceBatch()));
        extra += got.reduce((a, b) => a + b, 0);
        await sleep(1);
      }
      return extra;
    })();
    const ids = await appendConcurrently(database, 4, 60);
    appending = false;
    await racing;
    await drained(database.db);
    await Promise.all(sequencers.map((s) => s.stop()));

    const stored = await readLog(database.db);
    expectWellFormedLog(stored, key.verifierKey);
    expect(stored.entries.map((e) => e.outboxId).sort()).toEqual([...ids].sort());
    await expectConsistentWith({
      notes: stored.checkpoints.map((c) => c.note),
      final: stored.state.checkpoint,
      verifierKey: key.verifierKey,
      proof: tileProof(database.db),
    });
  });

  it.skipIf(!postgres)(
    'two server processes on one PostgreSQL database never fork the log and serve consistent checkpoints (PostgreSQL only: PGlite refuses a second process, see process.test.ts)',
    async () => {
      const created = await createTestDatabaseUrl();
      cleanup.push(() => created.drop());
      const { signerKey, verifierKey } = generateSignerKey(origin);
      const env = (name: string) => {
        const dir = mkdtempSync(join(tmpdir(), `goodtrace-fork-${name}-`));
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
        return {
          DATA_DIR: dir,
          DATABASE_URL: created.url,
          LOG_SIGNER_KEY: signerKey,
          LOG_ORIGIN: origin,
          SEED_DEMO: 'false',
          LOG_LEVEL: 'info',
          LEDGER_POLL_MS: '1',
          LEDGER_BATCH_SIZE: '5',
        };
      };
      const servers = [spawnServer(serverMain, env('a')), spawnServer(serverMain, env('b'))];
      const bases = await Promise.all(
        servers.map(
          async (s) => (await s.waitFor(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!,
        ),
      );

      const database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 8 });
      cleanup.push(() => database.close());
      const served = bases.map(() => new Set<string>());
      let appending = true;
      const watchers = bases.map(async (base, i) => {
        while (appending) {
          const res = await fetch(`${base}/log/checkpoint`);
          expect(res.status).toBe(200);
          served[i]!.add(await res.text());
          await sleep(5);
        }
      });
      const ids = await appendConcurrently(database, 6, 80);
      appending = false;
      await Promise.all(watchers);
      await drained(database.db);
      const stored = await readLog(database.db);
      // Both processes now serve the final checkpoint.
      for (const base of bases) {
        await until('both serve the final checkpoint', async () => {
          const note = await (await fetch(`${base}/log/checkpoint`)).text();
          return note === stored.state.checkpoint;
        });
        expect((await (await fetch(`${base}/log/key`)).text()).trim()).toBe(verifierKey);
      }

      expectWellFormedLog(stored, verifierKey, [...served[0]!, ...served[1]!]);
      expect(stored.entries.map((e) => e.outboxId).sort()).toEqual([...ids].sort());
      // Each process's checkpoints are consistent with the final one, proved by the OTHER process.
      for (const [mine, other] of [
        [0, 1],
        [1, 0],
      ] as const) {
        const checked = await expectConsistentWith({
          notes: served[mine]!,
          final: stored.state.checkpoint,
          verifierKey,
          proof: httpProof(bases[other]!),
        });
        expect(checked).toBeGreaterThan(0);
      }
      const sequencedBy = await Promise.all(
        bases.map(async (base) => {
          const text = await (await fetch(`${base}/metrics`)).text();
          return Number(text.match(/^goodtrace_ledger_entries_sequenced_total (\d+)/m)?.[1] ?? 0);
        }),
      );
      expect(sequencedBy[0]! + sequencedBy[1]!).toBe(stored.entries.length);
      console.info(
        `two processes: ${stored.entries.length} entries, sequenced ${sequencedBy.join(' + ')}, ` +
          `${served[0]!.size} + ${served[1]!.size} checkpoints served`,
      );

      for (const s of servers) s.child.kill('SIGTERM');
      expect(await Promise.all(servers.map((s) => s.exited))).toEqual([0, 0]);
    },
    60_000,
  );
});
