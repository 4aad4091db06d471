import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSignerKey } from '@goodtrace/ledger';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { appendEvent } from '../../src/ledger/append-event.js';
import {
  Client,
  createStaff,
  errorCode,
  sampleOrg,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { createTestDatabaseUrl } from '../support/database.js';
import { expectConsistentWith, expectWellFormedLog, readLog } from './log-check.js';
import { killAll, serverMain, spawnServer } from './spawn.js';
import { appendEvents, drained, faultEvent, tileProof, until } from './support.js';

/**
 * The database refusing a write: a trigger that raises SQLSTATE 53100 (disk_full) stands in
 * for a full disk; pg_terminate_backend for a lost connection (PostgreSQL only).
 */
const postgres = Boolean(process.env.TEST_DATABASE_URL);
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await killAll();
  await t.close();
  for (const c of cleanup.reverse()) await c();
});

/** Makes the sequencer's next batch wait mid-transaction, on advisory lock 4242 held by `holder`. */
async function blockSequencerMidBatch(db: TestApp['database']['db']) {
  await sql
    .raw(`
      create or replace function fault_block() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock(4242); return new; end $$;
      create trigger fault_block before insert on ledger_checkpoints
        for each row execute function fault_block();`)
    .execute(db);
  return async () => {
    await sql.raw('drop trigger fault_block on ledger_checkpoints').execute(db);
  };
}

/** The backend waiting for advisory lock 4242, once there is one. */
async function blockedBackend(client: pg.Client): Promise<number> {
  let pid = 0;
  await until('a backend waits on lock 4242', async () => {
    const r = await client.query(
      `select pid from pg_locks where locktype = 'advisory' and objid = 4242 and not granted`,
    );
    pid = r.rows[0]?.pid ?? 0;
    return pid !== 0;
  });
  return pid;
}

async function refuseWrites(table: string, on: string) {
  await sql
    .raw(`
      create or replace function fault_disk_full() returns trigger language plpgsql as $$
      begin
        raise exception 'could not extend file: No space left on device' using errcode = '53100';
      end $$;
      create trigger fault_disk_full before ${on} on ${table}
        for each row execute function fault_disk_full();`)
    .execute(t.database.db);
  return async () => {
    await sql.raw(`drop trigger fault_disk_full on ${table}`).execute(t.database.db);
  };
}

async function failures(): Promise<number> {
  return (await t.app.metrics.ledger.failures.get()).values[0]?.value ?? 0;
}

async function tiles() {
  return t.database.db
    .selectFrom('ledger_tiles')
    .selectAll()
    .orderBy('level')
    .orderBy('idx')
    .execute();
}

describe('the database refusing a write', () => {
  it.each([
    ['ledger_tiles', 'insert or update'],
    ['ledger_checkpoints', 'insert'],
    ['ledger_state', 'update'],
  ])(
    'a sequencer batch whose write to %s fails (disk full) is rolled back whole; once the disk has room, sequencing resumes and the log verifies',
    async (table, on) => {
      const db = t.database.db;
      await appendEvents(db, `${table}.before`, 30);
      await drained(db);
      const before = await readLog(db);
      const tilesBefore = await tiles();
      const failed = await failures();

      const allow = await refuseWrites(table, on);
      const queued = await appendEvents(db, `${table}.refused`, 20);
      t.app.ledger.sequencer!.nudge();
      await until('the sequencer tried and failed', async () => (await failures()) > failed);
      const during = await readLog(db);
      // Nothing of the failed batch is left: same entries, tiles, checkpoints, state; the
      // events wait in the outbox.
      expect(during).toEqual({ ...before, outbox: queued });
      expect(await tiles()).toEqual(tilesBefore);

      await allow();
      t.app.ledger.sequencer!.nudge();
      await drained(db);
      const after = await readLog(db);
      expectWellFormedLog(after, t.app.ledger.key.verifierKey);
      expect(after.entries.slice(0, before.entries.length)).toEqual(before.entries);
      expect(after.entries.slice(before.entries.length).map((e) => e.outboxId)).toEqual(queued);
      await expectConsistentWith({
        notes: after.checkpoints.map((c) => c.note),
        final: after.state.checkpoint,
        verifierKey: t.app.ledger.key.verifierKey,
        proof: tileProof(db),
      });
    },
  );

  it('a domain write whose event cannot be written to the outbox fails as a whole: 500 internal, the charity stays pending, no review is recorded', async () => {
    const db = t.database.db;
    const admin = await createStaff(t, 'admin@refused.test', 'admin');
    const owner = await new Client(t.app).signUp('owner@refused.test');
    const org = (await owner.post('/api/orgs', sampleOrg('refused'))).json() as { id: string };
    const log = await readLog(db);

    const allow = await refuseWrites('ledger_outbox', 'insert');
    const res = await admin.post(`/api/admin/orgs/${org.id}/verify`);
    expect(res.statusCode).toBe(500);
    expect(errorCode(res)).toBe('internal');
    const row = await db
      .selectFrom('orgs')
      .select(['status', 'reviewed_at'])
      .where('id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', reviewed_at: null });
    expect(
      await db.selectFrom('org_reviews').select('id').where('org_id', '=', org.id).execute(),
    ).toEqual([]);
    expect(await readLog(db)).toEqual(log);

    await allow();
    const retry = await admin.post(`/api/admin/orgs/${org.id}/verify`);
    expect(retry.statusCode).toBe(200);
    await drained(db);
    const entries = (await readLog(db)).entries.map((e) =>
      JSON.parse(Buffer.from(e.leaf).toString('utf8')),
    );
    expect(
      entries.filter((e) => e.type === 'org.verified' && e.data.orgId === org.id),
    ).toHaveLength(1);
  });

  it.skipIf(!postgres)(
    "a lost connection (pg_terminate_backend) fails the sequencer's batch or the appender's transaction with an error; the log stays consistent and sequencing continues (PostgreSQL only: PGlite has no connections)",
    async () => {
      const db = t.database.db;
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      // The test's own database, not the template: the app's pool knows it.
      const { rows: dbName } = await sql<{
        name: string;
      }>`select current_database() as name`.execute(db);
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${dbName[0]!.name}`;
      const holder = new pg.Client({ connectionString: url.toString() });
      await admin.connect();
      await holder.connect();
      try {
        await appendEvents(db, 'lost.before', 10);
        await drained(db);
        const before = await readLog(db);
        const failed = await failures();

        // The sequencer's batch blocks inside its transaction, on a lock the test holds.
        const unblock = await blockSequencerMidBatch(db);
        await holder.query('select pg_advisory_lock(4242)');
        const queued = await appendEvents(db, 'lost.during', 10);
        t.app.ledger.sequencer!.nudge();
        const pid = await blockedBackend(holder);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        await until('the batch failed', async () => (await failures()) > failed);
        await holder.query('select pg_advisory_unlock(4242)');
        await unblock();
        t.app.ledger.sequencer!.nudge();

        // An appender whose connection is lost between its statements, before commit.
        let lostId = '';
        const lost = await db
          .transaction()
          .execute(async (tx) => {
            lostId = await appendEvent(tx, faultEvent('lost.appender'));
            const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
            await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
            await appendEvent(tx, faultEvent('lost.appender.2'));
          })
          .catch((err: Error) => err);
        expect(lost).toBeInstanceOf(Error);

        const after = await appendEvents(db, 'lost.after', 10);
        await drained(db);
        const log = await readLog(db);
        expectWellFormedLog(log, t.app.ledger.key.verifierKey);
        expect(log.entries.slice(0, before.entries.length)).toEqual(before.entries);
        expect(log.entries.slice(before.entries.length).map((e) => e.outboxId)).toEqual([
          ...queued,
          ...after,
        ]);
        expect(log.entries.some((e) => e.outboxId === lostId)).toBe(false);
        await expectConsistentWith({
          notes: log.checkpoints.map((c) => c.note),
          final: log.state.checkpoint,
          verifierKey: t.app.ledger.key.verifierKey,
          proof: tileProof(db),
        });
      } finally {
        await holder.end();
        await admin.end();
      }
    },
  );

  it.skipIf(!postgres)(
    'the server process survives losing its connection in the middle of a sequencer batch and goes on sequencing (PostgreSQL only)',
    async () => {
      const created = await createTestDatabaseUrl();
      cleanup.push(() => created.drop());
      const dir = mkdtempSync(join(tmpdir(), 'goodtrace-lost-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const origin = 'lost.goodtrace.example/log';
      const { signerKey, verifierKey } = generateSignerKey(origin);
      const server = spawnServer(serverMain, {
        DATA_DIR: dir,
        DATABASE_URL: created.url,
        LOG_SIGNER_KEY: signerKey,
        LOG_ORIGIN: origin,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        LEDGER_POLL_MS: '5',
      });
      const [, base] = await server.waitFor(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
      const database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
      cleanup.push(() => database.close());
      const admin = new pg.Client({ connectionString: created.url });
      const holder = new pg.Client({ connectionString: created.url });
      await admin.connect();
      await holder.connect();
      cleanup.push(() => admin.end());
      cleanup.push(() => holder.end());

      const unblock = await blockSequencerMidBatch(database.db);
      await holder.query('select pg_advisory_lock(4242)');
      const queued = await appendEvents(database.db, 'process.lost', 10);
      const pid = await blockedBackend(holder);
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await holder.query('select pg_advisory_unlock(4242)');
      await unblock();

      await Promise.race([
        drained(database.db),
        server.exited.then((code) => {
          throw new Error(
            `the server process died (exit ${code}) instead of retrying the batch:\n${server.lines.slice(-15).join('\n')}`,
          );
        }),
      ]);
      const log = await readLog(database.db);
      expectWellFormedLog(log, verifierKey);
      expect(log.entries.map((e) => e.outboxId)).toEqual(queued);
      expect(server.child.exitCode, `the server died:\n${server.output()}`).toBe(null);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
    30_000,
  );
});
