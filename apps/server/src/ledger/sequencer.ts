import { CompactRange, emptyRoot, formatCheckpoint, signNote } from '@goodtrace/ledger';
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import type { LedgerMetrics } from '../http/metrics.js';
import type { LogKey } from './signer-key.js';
import { appendTiles, groupTileWrites } from './tile-store.js';

// Any fixed 64-bit number; names the sequencer's advisory lock in pg_locks.
const SEQUENCER_LOCK = 0x6f6f_6474_7261;

/**
 * The outbox is a queue: every sequenced row is deleted, and a dead row keeps its place in
 * the table and its index until VACUUM reclaims it. PGlite runs no autovacuum at all, and a
 * PostgreSQL server may have it off or lagging, so the sequencer vacuums the outbox itself
 * after this many rows; otherwise taking the oldest rows walks past every row ever deleted and
 * the append rate falls as the log grows. (docs/PERFORMANCE.md has the figures.)
 */
const OUTBOX_VACUUM_EVERY = 50_000;

/** Bytes per entry in the take statement's packed answer: queued_at (int8 µs) ‖ leaf hash. */
const PACKED_ENTRY = 8 + 32;
/** PostgreSQL's timestamp epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

/** The log's checkpoint for a tree of `size` leaves with this root, signed with its key. */
function signCheckpoint(key: LogKey, size: number, rootHash: Uint8Array): string {
  return signNote(formatCheckpoint({ origin: key.origin, size, rootHash }), [key.signerKey]);
}

export class LogStateError extends Error {
  override name = 'LogStateError';
}

/**
 * Creates the log's state row (size 0, the signed empty checkpoint) on first start, and on
 * every start checks that the database's log belongs to this origin and key: two processes
 * with different keys must never sign for the same log.
 */
export async function initLogState(db: Kysely<DB>, key: LogKey): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const state = await tx
      .selectFrom('ledger_state')
      .select(['origin', 'verifier_key'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (state) {
      if (state.origin !== key.origin || state.verifier_key !== key.verifierKey) {
        throw new LogStateError(
          `this database's log is "${state.origin}" signed by ${state.verifier_key}, but this process is configured ` +
            `for "${key.origin}" with ${key.verifierKey}: use the log's own key (LOG_SIGNER_KEY_FILE) and origin (LOG_ORIGIN)`,
        );
      }
      return;
    }
    const root = emptyRoot();
    const checkpoint = signCheckpoint(key, 0, root);
    const now = new Date();
    await tx
      .insertInto('ledger_state')
      .values({
        id: 1,
        origin: key.origin,
        verifier_key: key.verifierKey,
        tree_size: '0',
        compact_range: new CompactRange().toBytes(),
        root_hash: root,
        checkpoint,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    await tx
      .insertInto('ledger_checkpoints')
      .values({ tree_size: '0', root_hash: root, checkpoint, created_at: now })
      .onConflict((oc) => oc.column('tree_size').doNothing())
      .execute();
  });
}

export interface SequencerOptions {
  db: Kysely<DB>;
  key: LogKey;
  batchSize: number;
  pollMs: number;
  log: FastifyBaseLogger;
  metrics: LedgerMetrics;
  /** Called after each committed batch with the new tree size. */
  onCheckpoint?: (treeSize: number) => void;
}

/**
 * The write path of the log, as a short pipeline in ONE transaction per batch (group commit),
 * in two statements between BEGIN and COMMIT:
 *
 *   1. lock   pg_try_advisory_xact_lock: one sequencer at a time per database; the state row is
 *             also read FOR UPDATE, so even two sequencers that both got here would serialize.
 *      take   delete up to batchSize outbox rows (oldest first) and insert them as log entries
 *             numbered from the current tree size: the leaves never leave SQL, and what comes
 *             back is one row (each entry's queued_at and leaf hash, packed).
 *             The ids are taken first (`= any(array(…))`), so the plan is one index lookup per
 *             row whatever the statistics say: `id in (subquery)` was planned as a nested loop
 *             over the whole outbox once VACUUM had recorded it nearly empty, and a backlog
 *             of 800,000 rows then took minutes per batch.
 *      extend (here) append the leaf hashes to the compact range kept in the state row, and
 *             collect the completed nodes that tiles store (tree levels 0, 8, 16, …); sign the
 *             checkpoint for the new size.
 *   2. tiles  grow each touched tile by exactly the new hashes, in SQL, without reading the
 *             tiles back (checked to be contiguous: a tile that does not hold exactly the
 *             hashes before the new ones fails the batch);
 *      sign   and store the checkpoint and the new tree head.
 *   commit    all of the above, or none of it.
 *
 * A crash anywhere before the commit rolls everything back: the outbox rows are still there
 * and the next batch (after a restart) sequences them again, the same way, so an event gets
 * exactly one index and no index is used twice. A crash after the commit loses nothing.
 * Checkpoints carry no timestamp and Ed25519 is deterministic, so a redone batch signs the
 * very same checkpoint.
 */
export class Sequencer {
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idleSince = Date.now();
  #sinceVacuum = 0;
  #vacuum: Promise<void> | undefined;

  constructor(private readonly opts: SequencerOptions) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    await this.#vacuum;
  }

  /** Look at the outbox now rather than at the next poll. */
  nudge(): void {
    this.#idleSince = Date.now();
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const { log, metrics, batchSize, pollMs } = this.opts;
    let failures = 0;
    let busy = false;
    while (!this.#stopping) {
      let sequenced = 0;
      try {
        // Under load, go straight to the next batch; when idle, one cheap look first.
        if (busy || (await this.#hasWork())) sequenced = await this.sequenceBatch();
        busy = sequenced > 0;
        failures = 0;
      } catch (err) {
        failures++;
        metrics.failures.inc();
        log.error({ err }, 'sequencer batch failed and was rolled back; retrying');
        await this.#sleep(Math.min(5_000, 25 * 2 ** failures));
        continue;
      }
      if (sequenced > 0) {
        this.#idleSince = Date.now();
        this.#sinceVacuum += sequenced;
        if (this.#sinceVacuum >= OUTBOX_VACUUM_EVERY && !this.#vacuum) {
          this.#sinceVacuum = 0;
          // Beside the sequencing, not in its way: VACUUM takes no lock that inserts, deletes
          // or the next batch wait for. It cannot run inside a transaction, and needs none.
          this.#vacuum = sql`vacuum ledger_outbox`
            .execute(this.opts.db)
            .then(
              () => {},
              (err) => log.warn({ err }, 'could not vacuum ledger_outbox'),
            )
            .finally(() => {
              this.#vacuum = undefined;
            });
        }
        if (sequenced === batchSize) {
          // Draining a backlog: let HTTP and timers run between batches. On PGlite the
          // database shares this thread and its replies never leave the microtask queue, so
          // back-to-back batches would otherwise hold every request until the backlog is gone.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      }
      // Poll quickly while traffic is recent, slowly (≤ 100 ms) once idle for a second.
      const idle = Date.now() - this.#idleSince > 1_000;
      await this.#sleep(idle ? Math.max(pollMs, 100) : pollMs);
    }
  }

  /** Whether the outbox holds a row; by the primary key, not a scan over dead rows. */
  async #hasWork(): Promise<boolean> {
    const row = await this.opts.db
      .selectFrom('ledger_outbox')
      .select('id')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Sequences one batch; returns how many entries it added (0 if none, or another sequencer is active). */
  async sequenceBatch(): Promise<number> {
    const { db, key, batchSize, metrics } = this.opts;
    const result = await db.transaction().execute(async (tx) => {
      // lock + take, in ONE statement: the advisory lock; only if it was granted, the state row
      // FOR UPDATE; then the oldest outbox rows deleted and inserted as entries numbered from the
      // tree size, in id order. One row comes back, whatever the batch size: the state, and per
      // entry in index order its queued_at (timestamptz_send: int8 µs since 2000-01-01) and its
      // leaf hash (computed by the database when the row was appended), packed in one bytea.
      // Before, every entry came back as a row with its whole leaf, hex-encoded, to be parsed
      // and hashed here: in the bench this thread was the bottleneck (docs/PERFORMANCE.md).
      //
      // The statement's snapshot is taken before the lock is granted, so it may predate the
      // commit of the batch that held the lock just before. That is still exact: FOR UPDATE
      // returns the newest committed state row (READ COMMITTED re-reads an updated row), and an
      // outbox row that batch deleted is skipped by this DELETE, so it is neither taken twice
      // nor numbered from a stale size. Later statements take fresh snapshots.
      const { rows } = await sql<{
        ok: boolean;
        tree_size: string | null;
        compact_range: Uint8Array | null;
        n: number;
        inserted: number;
        packed: Uint8Array | null;
      }>`${PREPARED}
        with lock as materialized (
          select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as ok
        ), state as materialized (
          select tree_size, compact_range from ledger_state
          where id = 1 and (select ok from lock)
          for update
        ), batch as (
          delete from ledger_outbox
          where id = any(array(select id from ledger_outbox order by id limit ${batchSize}))
            and exists (select from state)
          returning id, event_type, leaf, queued_at, leaf_hash
        ), entries as (
          insert into ledger_entries (idx, outbox_id, event_type, leaf, queued_at, sequenced_at)
          select (select tree_size from state) + row_number() over (order by id) - 1,
            id, event_type, leaf, queued_at, clock_timestamp()
          from batch
          returning idx
        )
        select (select ok from lock) as ok,
          (select tree_size from state) as tree_size,
          (select compact_range from state) as compact_range,
          (select count(*)::int from entries) as inserted,
          count(*)::int as n,
          string_agg(timestamptz_send(queued_at) || leaf_hash, ''::bytea order by id) as packed
        from batch`.execute(tx);
      const row = rows[0];
      if (!row?.ok) return undefined;
      const { tree_size, compact_range, n, inserted, packed } = row;
      if (tree_size === null || compact_range === null) {
        throw new LogStateError('the log has no state row: initLogState was not run');
      }
      if (n === 0) return undefined;
      if (inserted !== n || !packed || packed.length !== n * PACKED_ENTRY) {
        throw new LogStateError(
          `a batch of ${n} outbox rows gave ${inserted} entries and ${packed?.length} bytes`,
        );
      }
      const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
      const leafHashes: Uint8Array[] = new Array(n);
      const queued: number[] = new Array(n);
      for (let i = 0, at = 0; i < n; i++, at += PACKED_ENTRY) {
        queued[i] = Number(view.getBigInt64(at)) / 1000 + PG_EPOCH_MS;
        leafHashes[i] = packed.subarray(at + 8, at + PACKED_ENTRY);
      }

      const range = CompactRange.fromBytes(new Uint8Array(compact_range));
      const nodes: { level: number; index: number; hash: Uint8Array }[] = [];
      range.append(leafHashes, (level, index, hash) => {
        // Tiles store tree levels 0, 8, 16, … and, beside them, 4, 12, 20, … (tile-store.ts).
        if (level % 4 === 0) nodes.push({ level, index, hash });
      });
      const size = range.size;
      const root = range.root();
      const checkpoint = signCheckpoint(key, size, root);
      const now = new Date();

      // The tiles, the checkpoint and the new tree head, in one statement.
      const mismatched = await appendTiles(
        tx,
        groupTileWrites(nodes),
        sql`signed as (
          insert into ledger_checkpoints (tree_size, root_hash, checkpoint, created_at)
          values (${String(size)}, ${root}, ${checkpoint}, ${now})
        ), head as (
          update ledger_state
          set tree_size = ${String(size)}, compact_range = ${range.toBytes()}, root_hash = ${root},
              checkpoint = ${checkpoint}, updated_at = ${now}
          where id = 1
        )`,
      );
      if (mismatched.length > 0) {
        const t = mismatched[0]!;
        throw new LogStateError(
          `tile ${t.level}/${t.index} holds ${t.width} hashes, expected ${t.expected}`,
        );
      }
      return { size, queued };
    });
    if (!result) return 0;
    // Committed: the batch is durable (as durable as the store) and visible.
    const done = Date.now();
    metrics.sequenced.inc(result.queued.length);
    metrics.batchSize.observe(result.queued.length);
    for (const q of result.queued) metrics.latency.observe(Math.max(0, done - q) / 1000);
    metrics.treeSize.set(result.size);
    this.opts.onCheckpoint?.(result.size);
    return result.queued.length;
  }
}
