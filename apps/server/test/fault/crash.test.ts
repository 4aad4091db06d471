import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createTestDatabaseUrl } from '../support/database.js';
import { expectConsistentWith, expectWellFormedLog, httpProof, readLog } from './log-check.js';
import { crashWorker, killAll, type Spawned, spawnServer } from './spawn.js';

/**
 * SIGKILL of the server process while clients append as fast as they can, at random
 * moments, then restart on the same store. `npm test` runs 3 kills; `npm run test:faults`
 * sets FAULT_CYCLES=12. On PGlite (a real data folder) by default, on PostgreSQL when
 * TEST_DATABASE_URL is set.
 */
const cycles = Number(process.env.FAULT_CYCLES || 3);
const postgres = Boolean(process.env.TEST_DATABASE_URL);
const dataDir = mkdtempSync(join(tmpdir(), 'goodtrace-crash-'));
let dropDatabase: (() => Promise<void>) | undefined;

afterAll(async () => {
  await killAll();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL of the server while clients append', () => {
  it(
    `after ${cycles} kills at random moments every acknowledged append is in the log once, no index is used twice, and every checkpoint ever served is consistent with the final one`,
    async () => {
      const env: Record<string, string> = {
        DATA_DIR: dataDir,
        LOG_ORIGIN: 'crash.goodtrace.example/log',
        LOG_LEVEL: 'warn',
        SEED_DEMO: 'false',
        LEDGER_POLL_MS: '5',
        LEDGER_BATCH_SIZE: '500',
      };
      if (postgres) {
        const created = await createTestDatabaseUrl();
        dropDatabase = created.drop;
        env.DATABASE_URL = created.url;
      }

      const acked = new Map<string, string>(); // outbox id → client seq
      const failed: string[] = [];
      const served = new Set<string>();
      const delays: number[] = [];
      const onLine = (line: string) => {
        if (line.startsWith('ack ')) {
          const [, id, seq] = line.split(' ');
          acked.set(id!, seq!);
        } else if (line.startsWith('fail ')) failed.push(line);
      };

      /** Records every checkpoint the server serves until `stop` is set. */
      async function watchCheckpoints(base: string, stop: { done: boolean }) {
        while (!stop.done) {
          try {
            const res = await fetch(`${base}/log/checkpoint`);
            if (res.ok) served.add(await res.text());
          } catch {
            // killed under us
          }
          await sleep(10);
        }
      }

      for (let cycle = 0; cycle < cycles; cycle++) {
        const worker = spawnServer(
          crashWorker,
          { ...env, FAULT_APPENDERS: '4', FAULT_TAG: `c${cycle}` },
          onLine,
        );
        const [, base] = await worker.waitFor(/^listening (\S+)/);
        const stop = { done: false };
        const watching = watchCheckpoints(base!, stop);
        const delay = 150 + Math.floor(Math.random() * 1350);
        delays.push(delay);
        await sleep(delay);
        worker.child.kill('SIGKILL');
        await worker.exited;
        stop.done = true;
        await watching;
      }

      // Once more without appenders: the sequencer drains what was committed before the kill.
      const last: Spawned = spawnServer(crashWorker, { ...env, FAULT_DRAIN: '1' }, onLine);
      const [, base] = await last.waitFor(/^listening (\S+)/);
      await last.waitFor(/^drained \d+/);
      const key = (await (await fetch(`${base}/log/key`)).text()).trim();
      const final = await (await fetch(`${base}/log/checkpoint`)).text();
      served.add(final);
      const checked = await expectConsistentWith({
        notes: served,
        final,
        verifierKey: key,
        proof: httpProof(base!),
      });
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);

      // The store itself, opened by the test now that no server runs.
      const database: Database = postgres
        ? await openDatabase({ kind: 'postgres', url: env.DATABASE_URL!, poolSize: 2 })
        : await openDatabase({ kind: 'pglite', dataDir });
      try {
        const log = await readLog(database.db);
        expect(log.outbox).toEqual([]);
        expect(log.state.checkpoint).toBe(final);
        expectWellFormedLog(log, key, [...served]);
        const byOutboxId = new Map(log.entries.map((e) => [e.outboxId, e]));
        const lost: string[] = [];
        const wrong: string[] = [];
        for (const [id, seq] of acked) {
          const entry = byOutboxId.get(id);
          if (!entry) lost.push(`${id}:${seq}`);
          else if (JSON.parse(Buffer.from(entry.leaf).toString('utf8')).data.seq !== seq)
            wrong.push(`${id}:${seq}`);
        }
        const seqs = log.entries.map(
          (e) => JSON.parse(Buffer.from(e.leaf).toString('utf8')).data.seq as string,
        );
        console.info(
          `crash test (${postgres ? 'PostgreSQL' : 'PGlite'}): ${cycles} kills after ${delays.join(', ')} ms; ` +
            `${acked.size} acknowledged appends, final size ${log.entries.length}, ` +
            `${checked} served checkpoints checked`,
        );
        expect(lost, 'acknowledged appends missing from the log').toEqual([]);
        expect(wrong, 'acknowledged outbox ids holding another event').toEqual([]);
        expect(new Set(seqs).size, 'an event sequenced twice').toBe(seqs.length);
        expect(failed).toEqual([]);
        expect(acked.size).toBeGreaterThan(0);
      } finally {
        await database.close();
      }
    },
    60_000 + cycles * 15_000,
  );
});
