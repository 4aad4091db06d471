import { Writable } from 'node:stream';
import { generateSignerKey, hashLeaf, rootHash } from '@goodtrace/ledger';
import { type Kysely, sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import * as storeOnce from '../src/db/migrations/2026-11-27-08-ledger-store-once.js';
import * as takeUnsorted from '../src/db/migrations/2026-11-27-09-ledger-take-unsorted.js';
import type { DB } from '../src/db/schema.js';
import { AppError } from '../src/errors.js';
import { createMetrics } from '../src/http/metrics.js';
import { appendEvent } from '../src/ledger/append-event.js';
import { extendTree, packBatch, queuedTimes, signCheckpoint } from '../src/ledger/extend-tree.js';
import { currentSize, getReceipt, readEntries } from '../src/ledger/read.js';
import { initLogState, Sequencer } from '../src/ledger/sequencer.js';
import { appendTiles, TileCache } from '../src/ledger/tile-store.js';
import { createTestDatabase } from './support/database.js';
import { logIndexOf } from './support/ledger.js';

// The log stores each leaf once (migration 2026-11-27-08): an outbox row is its entry, and the
// sequencer takes the settled rows in id order, an epoch of appenders at a time.

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const origin = 'store-once.test.goodtrace.example/log';
const k = generateSignerKey(origin);
const key = { signerKey: k.signerKey, verifierKey: k.verifierKey, origin };

const event = (n: number) => ({
  type: 'test.event',
  v: 1,
  at: '2026-11-27T08:00:00.000Z',
  data: { n },
});

/** A sequencer whose log lines are kept, to look at what it says. */
function sequencerOf(db: Kysely<DB>, heldWarningMs = 5_000) {
  const lines: { level: number; msg: string; backends?: { pid: number }[] }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const sequencer = new Sequencer({
    db,
    key,
    batchSize: 100,
    pollMs: 5,
    heldWarningMs,
    log: pino({ level: 'info' }, stream),
    metrics: createMetrics().ledger,
  });
  return { sequencer, lines };
}

async function drain(sequencer: Sequencer): Promise<number> {
  let total = 0;
  for (let n = await sequencer.sequenceBatch(); n > 0; n = await sequencer.sequenceBatch())
    total += n;
  return total;
}

async function append(db: Kysely<DB>, n: number): Promise<string> {
  return db.transaction().execute((tx) => appendEvent(tx, event(n)));
}

describe('the log stores each leaf once', () => {
  let database: Database;
  let sequencer: Sequencer;
  let lines: ReturnType<typeof sequencerOf>['lines'];
  beforeAll(async () => {
    database = await createTestDatabase();
    await initLogState(database.db, key);
    ({ sequencer, lines } = sequencerOf(database.db, 100));
  });
  afterAll(async () => {
    await sequencer.stop();
    await database.close();
  });

  it('an outbox row stays where it was written and is the entry at its index', async () => {
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await append(database.db, n));
    expect(await drain(sequencer)).toBe(5);
    const entries = await readEntries(database.db, 0, 5);
    expect(entries.map((e) => e.outbox_id)).toEqual(ids);
    const { rows } = await sql<{ id: string; leaf: Uint8Array }>`
      select id::text, leaf from ledger_outbox order by id`.execute(database.db);
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(entries.map((e) => Buffer.from(e.leaf))).toEqual(rows.map((r) => Buffer.from(r.leaf)));
    for (const [i, id] of ids.entries()) expect(await logIndexOf(database.db, id)).toBe(i);
    // One batch row placed them all.
    const batches = await database.db.selectFrom('ledger_batches').selectAll().execute();
    expect(batches.map((b) => [b.first_idx, b.outbox_ids])).toEqual([['0', ids]]);
  });

  it('an id drawn by a transaction that rolled back is skipped: the indexes stay contiguous and its receipt is not found', async () => {
    let lost = '';
    await database.db
      .transaction()
      .execute(async (tx) => {
        lost = await appendEvent(tx, event(100));
        throw new Error('the domain change failed');
      })
      .catch(() => {});
    const kept = await append(database.db, 101);
    expect(BigInt(kept)).toBeGreaterThan(BigInt(lost));
    expect(await drain(sequencer)).toBe(1);
    expect(await logIndexOf(database.db, kept)).toBe(5);
    expect(await logIndexOf(database.db, lost)).toBe(null);
    const receipts = { policy: { quorum: 0, witnesses: [] }, tiles: new TileCache() };
    await expect(getReceipt(database.db, lost, receipts)).rejects.toThrow(AppError);
    const state = await database.db
      .selectFrom('ledger_state')
      .select(['tree_size', 'sequenced_through', 'settled_through'])
      .executeTakeFirstOrThrow();
    expect(state).toEqual({ tree_size: '6', sequenced_through: kept, settled_through: kept });
  });

  it('a receipt cannot be read without the policy it rests on: no default quorum, a type error', async () => {
    const id = await append(database.db, 102);
    await drain(sequencer);
    // @ts-expect-error the receipt source (the configured policy and the tile cache) is required
    await expect(getReceipt(database.db, id)).rejects.toThrow(TypeError);
  });

  it('with nothing appended, a batch writes nothing and the sequencer has no work', async () => {
    const before = await database.db.selectFrom('ledger_batches').select('first_idx').execute();
    expect(await sequencer.sequenceBatch()).toBe(0);
    expect(await database.db.selectFrom('ledger_batches').select('first_idx').execute()).toEqual(
      before,
    );
  });

  it.skipIf(!onPostgres)(
    'a transaction that appended and is still open holds back only what comes after it, which then follows it in id order; the wait is named in a warning',
    async () => {
      const db = database.db;
      const before = await currentSize(db);
      let release!: () => void;
      const open = new Promise<void>((r) => {
        release = r;
      });
      let slowId = '';
      let slowPid = 0;
      let appended!: () => void;
      const isAppended = new Promise<void>((r) => {
        appended = r;
      });
      const slow = db.transaction().execute(async (tx) => {
        slowId = await appendEvent(tx, event(200));
        slowPid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx)).rows[0]!
          .pid;
        appended();
        await open;
      });
      await isAppended;
      const fast = await append(db, 201);
      expect(BigInt(fast)).toBeGreaterThan(BigInt(slowId));

      // The later, committed event waits: it is not settled while the earlier one may commit.
      for (let i = 0; i < 30; i++) {
        expect(await sequencer.sequenceBatch()).toBe(0);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await logIndexOf(db, fast)).toBe(null);
      expect(await currentSize(db)).toBe(before);
      const warning = lines.find((l) => l.msg.startsWith('the log is waiting'));
      expect(warning?.backends?.map((b) => b.pid)).toContain(slowPid);

      release();
      await slow;
      expect(await drain(sequencer)).toBe(2);
      expect(await logIndexOf(db, slowId)).toBe(before);
      expect(await logIndexOf(db, fast)).toBe(before + 1);
      expect(lines.some((l) => l.msg === 'the log is moving again')).toBe(true);
    },
  );
});

/**
 * A log the sequencer wrote before migration 08: entries copied into ledger_entries and deleted
 * from the outbox, taken across batches out of id order. Built here as that sequencer did,
 * batch by batch (the tree, tiles and checkpoint from the same code it used).
 */
async function writeOldLog(db: Kysely<DB>, batches: string[][]): Promise<void> {
  for (const ids of batches) {
    await db.transaction().execute(async (tx) => {
      const state = await tx
        .selectFrom('ledger_state')
        .select(['tree_size', 'compact_range'])
        .executeTakeFirstOrThrow();
      const first = Number(state.tree_size);
      const { rows } = await sql<{ leaf_hash: Uint8Array; queued_at: Date }>`
        with moved as (
          delete from ledger_outbox where id = any(${ids}::bigint[])
          returning id, event_type, leaf, queued_at, leaf_hash
        ), placed as (
          insert into ledger_entries (idx, outbox_id, event_type, leaf, queued_at, sequenced_at)
          select ${first}::bigint + array_position(${ids}::bigint[], id) - 1, id, event_type, leaf,
            queued_at, now()
          from moved
        )
        select leaf_hash, queued_at from moved order by array_position(${ids}::bigint[], id)`.execute(
        tx,
      );
      const packed = packBatch(
        rows.map((r) => r.leaf_hash),
        rows.map((r) => r.queued_at.getTime()),
      );
      const ext = extendTree(key, state.compact_range, packed, rows.length);
      expect(await appendTiles(tx, ext.writes)).toEqual([]);
      await tx
        .insertInto('ledger_checkpoints')
        .values({
          tree_size: String(ext.size),
          root_hash: ext.root,
          checkpoint: ext.checkpoint,
          created_at: new Date(),
        })
        .execute();
      await tx
        .updateTable('ledger_state')
        .set({
          tree_size: String(ext.size),
          compact_range: ext.range,
          root_hash: ext.root,
          checkpoint: ext.checkpoint,
        })
        .execute();
    });
  }
}

describe('migration 2026-11-27-08 on a log written before it', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    // Back to the schema before it, then a log as the old sequencer left it.
    await takeUnsorted.down(database.db);
    await storeOnce.down(database.db);
  });
  afterAll(() => database.close());

  it('keeps every entry at its index, finds each by outbox id, moves pending rows after them with every reference, and the log goes on', async () => {
    const db = database.db as unknown as Kysely<Record<string, never>>;
    await initLogState(database.db, key);
    await sql`create table legacy_refs (note text primary key, outbox_id bigint not null)`.execute(
      db,
    );
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) ids.push(await append(database.db, n));
    // The old sequencer took committed rows, so an id could land after larger ones: 3 after
    // 4–6, and 8 after 9–10. Ids 7 and 11 are still pending when the server is upgraded, 7
    // below sequenced ones.
    const at = (i: number) => ids[i]!;
    await writeOldLog(database.db, [
      [at(0), at(1), at(2)],
      [at(4), at(5), at(6), at(3)],
      [at(9), at(10)],
      [at(8)],
    ]);
    await sql`insert into legacy_refs values ('pending', ${at(7)}), ('logged', ${at(5)})`.execute(
      db,
    );
    const oldEntries = (
      await sql<{ idx: string; outbox_id: string; leaf: Uint8Array }>`
        select idx, outbox_id::text, leaf from ledger_entries order by idx`.execute(db)
    ).rows;
    expect(oldEntries.map((e) => e.outbox_id)).toEqual(
      [0, 1, 2, 4, 5, 6, 3, 9, 10, 8].map((i) => at(i)),
    );

    await storeOnce.up(database.db);
    await takeUnsorted.up(database.db);

    // Every entry where it was, by index and by outbox id.
    const entries = await readEntries(database.db, 0, 10);
    expect(entries.map((e) => [e.idx, e.outbox_id, Buffer.from(e.leaf)])).toEqual(
      oldEntries.map((e) => [e.idx, e.outbox_id, Buffer.from(e.leaf)]),
    );
    for (const e of oldEntries)
      expect(await logIndexOf(database.db, e.outbox_id)).toBe(Number(e.idx));
    // Rebuilt as the shortest runs that cover disjoint id ranges: 0, 1, 2, [4 5 6 3], [9 10 8].
    const batches = await database.db
      .selectFrom('ledger_batches')
      .select(['first_idx', 'outbox_ids'])
      .orderBy('first_idx')
      .execute();
    expect(batches.map((b) => b.outbox_ids.map(String))).toEqual(
      [[0], [1], [2], [4, 5, 6, 3], [9, 10, 8]].map((run) => run.map(at)),
    );
    // The pending rows (7 and 11) have new ids beyond every logged one, in their order, and the
    // reference to 7 followed it.
    const pending = (
      await sql<{ id: string; leaf: Uint8Array }>`
        select id::text, leaf from ledger_outbox where ledger_index_of(id) is null order by id`.execute(
        db,
      )
    ).rows;
    expect(pending).toHaveLength(2);
    expect(pending.every((p) => BigInt(p.id) > BigInt(at(11)))).toBe(true);
    expect(JSON.parse(Buffer.from(pending[0]!.leaf).toString()).data.n).toBe(7);
    expect(JSON.parse(Buffer.from(pending[1]!.leaf).toString()).data.n).toBe(11);
    const refs = (
      await sql<{ note: string; outbox_id: string }>`
        select note, outbox_id::text from legacy_refs order by note`.execute(db)
    ).rows;
    expect(refs).toEqual([
      { note: 'logged', outbox_id: at(5) },
      { note: 'pending', outbox_id: pending[0]!.id },
    ]);

    // The new sequencer carries on from the old tree: the pending rows, then new ones.
    const { sequencer } = sequencerOf(database.db);
    const later = await append(database.db, 12);
    expect(await drain(sequencer)).toBe(3);
    await sequencer.stop();
    const all = await readEntries(database.db, 0, 13);
    expect(all.slice(10).map((e) => e.outbox_id)).toEqual([pending[0]!.id, pending[1]!.id, later]);
    const state = await database.db
      .selectFrom('ledger_state')
      .select(['tree_size', 'root_hash', 'checkpoint'])
      .executeTakeFirstOrThrow();
    const root = rootHash(all.map((e) => hashLeaf(e.leaf)));
    expect(state.tree_size).toBe('13');
    expect(Buffer.from(state.root_hash)).toEqual(Buffer.from(root));
    expect(state.checkpoint).toBe(signCheckpoint(key, 13, root));

    // And back: the migration's down step gives the entries table the same rows.
    await takeUnsorted.down(database.db);
    await storeOnce.down(database.db);
    const back = (
      await sql<{ idx: string; outbox_id: string }>`
        select idx, outbox_id::text from ledger_entries order by idx`.execute(db)
    ).rows;
    expect(back.map((e) => e.outbox_id)).toEqual(all.map((e) => e.outbox_id));
    expect(
      (await sql<{ n: string }>`select count(*)::text as n from ledger_outbox`.execute(db)).rows[0]!
        .n,
    ).toBe('0');
    await storeOnce.up(database.db);
    await takeUnsorted.up(database.db);
  });
});

describe('a packed batch, as the take returns it (all queued times, then all leaf hashes)', () => {
  it('gives back the queued time of each entry to the microsecond, before and after 2000', () => {
    const times = [Date.UTC(1999, 11, 31, 23, 59, 59, 999.5), 0, Date.UTC(2026, 10, 27, 8), 4e12];
    const hashes = times.map((_, i) => new Uint8Array(32).fill(i + 1));
    const packed = packBatch(hashes, times);
    expect(queuedTimes(packed, times.length)).toEqual(times);
    expect(() => queuedTimes(packed, times.length + 1)).toThrow(/has 160 bytes/);
  });
});
