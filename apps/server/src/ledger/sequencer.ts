import { CompactRange, emptyRoot } from '@goodtrace/ledger';
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import type { LedgerMetrics } from '../http/metrics.js';
import { queuedTimes, signCheckpoint } from './extend-tree.js';
import type { LogKey } from './signer-key.js';
import { EPOCH_LOCK_CLASS } from './take-batch.js';
import { appendTiles } from './tile-store.js';
import { TreeThread } from './tree-thread.js';

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
  /**
   * How long a transaction that appended and is still open may hold the log back before the
   * sequencer names it in a warning (default 5 s).
   */
  heldWarningMs?: number;
  log: FastifyBaseLogger;
  metrics: LedgerMetrics;
  /** Called after each committed batch with the new tree size. */
  onCheckpoint?: (treeSize: number) => void;
}

/**
 * The write path of the log: ONE transaction per batch (group commit), two statements between
 * BEGIN and COMMIT:
 *
 *   1. take   ledger_take_batch (take-batch.ts, where the protocol is explained):
 *             the sequencer's advisory lock (one sequencer at a time per database) and the state
 *             row FOR UPDATE; the open round of epochs closed if no transaction still holds one,
 *             and the next opened; the settled outbox rows after the last sequenced one taken in
 *             id order, and recorded as ONE ledger_batches row numbered from the tree size. The
 *             rows stay where they are: an outbox row is the log entry. What comes back is one
 *             row: the state, and each entry's queued_at and leaf hash, packed.
 *      extend (extend-tree.ts, on the tree thread) append the leaf hashes to the compact
 *             range kept in the state row, and collect the completed nodes that tiles store
 *             (tree levels 0, 8, 16, …); sign the checkpoint for the new size.
 *   2. tiles  grow each touched tile by exactly the new hashes, in SQL, without reading the
 *             tiles back (checked to be contiguous: a tile that does not hold exactly the
 *             hashes before the new ones fails the batch);
 *      sign   and store the checkpoint and the new tree head.
 *   commit    all of the above, or none of it.
 *
 * A crash anywhere before the commit rolls everything back: the state row still says where the
 * log stopped, and the next batch (after a restart) takes the same rows again, the same way, so
 * an event gets exactly one index and no index is used twice. A crash after the commit loses
 * nothing. Checkpoints carry no timestamp and Ed25519 is deterministic, so a redone batch signs
 * the very same checkpoint.
 */
export class Sequencer {
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idleSince = Date.now();
  /** The epoch a running transaction holds, and since when, while that keeps the log waiting. */
  #held: { epoch: string; since: number; named: boolean } | undefined;

  readonly #tree: TreeThread;

  constructor(private readonly opts: SequencerOptions) {
    this.#tree = new TreeThread(opts.key);
  }

  /** Starts the tree thread and waits for it, so that the first batch does not. */
  async warmUp(): Promise<void> {
    await this.#tree.warmUp();
  }

  start(): void {
    // The tree thread loads while the server finishes starting, not on the first batch. A thread
    // that cannot start fails that batch, which is logged and retried.
    this.#tree.warmUp().catch(() => {});
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    await this.#tree.close();
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

  /** Whether an outbox id was drawn beyond the last one sequenced: one row, no scan. */
  async #hasWork(): Promise<boolean> {
    const { rows } = await sql<{ work: boolean }>`${PREPARED}
      select coalesce(pg_sequence_last_value(pg_get_serial_sequence('ledger_outbox', 'id')::regclass), 0)
        > sequenced_through as work
      from ledger_state where id = 1`.execute(this.opts.db);
    return rows[0]?.work ?? false;
  }

  /**
   * A transaction that appended and stays open keeps its epoch, and the log waits for it: the
   * rows after it are not settled until it ends. Say so, naming the backends, once it has
   * lasted a while.
   */
  async #noteHeld(epoch: string | null): Promise<void> {
    if (epoch === null) {
      if (this.#held?.named) this.opts.log.info('the log is moving again');
      this.#held = undefined;
      return;
    }
    if (this.#held?.epoch !== epoch) this.#held = { epoch, since: Date.now(), named: false };
    const held = this.#held;
    if (held.named || Date.now() - held.since < (this.opts.heldWarningMs ?? 5_000)) return;
    held.named = true;
    const { rows } = await sql<{ pid: number; state: string | null; xact_start: Date | null }>`
      select l.pid, a.state, a.xact_start from pg_locks l
      left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.classid = ${EPOCH_LOCK_CLASS}
        and l.objid = (${epoch}::bigint % 2147483648) and l.objsubid = 2 and l.granted`.execute(
      this.opts.db,
    );
    this.opts.log.warn(
      { epoch, backends: rows },
      'the log is waiting for transactions that appended events and are still open',
    );
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

  /**
   * Sequences one batch; returns how many entries it added: 0 if none were settled (nothing new,
   * or a transaction that appended is still open), or another sequencer is active.
   */
  async sequenceBatch(): Promise<number> {
    const { db, batchSize, metrics } = this.opts;
    let held: string | null = null;
    const result = await db.transaction().execute(async (tx) => {
      const { rows } = await sql<{
        ok: boolean;
        tree_size: string | null;
        compact_range: Uint8Array | null;
        n: number;
        packed: Uint8Array | null;
        held_epoch: string | null;
      }>`${PREPARED} select * from ledger_take_batch(${batchSize})`.execute(tx);
      const row = rows[0];
      if (!row?.ok) return undefined;
      const { tree_size, compact_range, n, packed } = row;
      held = row.held_epoch;
      if (tree_size === null || compact_range === null) {
        throw new LogStateError('the log has no state row: initLogState was not run');
      }
      if (n === 0) return undefined;
      if (!packed) throw new LogStateError(`a batch of ${n} outbox rows came back empty`);
      const queued = queuedTimes(packed, n);
      // The hashing and the signature, on the tree thread; this thread only waits for them.
      const { size, root, range, checkpoint, writes } = await this.#tree.extend(
        compact_range,
        packed,
        n,
      );
      const now = new Date();

      // The tiles, the checkpoint and the new tree head, in one statement.
      const mismatched = await appendTiles(
        tx,
        writes,
        sql`signed as (
          insert into ledger_checkpoints (tree_size, root_hash, checkpoint, created_at)
          values (${String(size)}, ${root}, ${checkpoint}, ${now})
        ), head as (
          update ledger_state
          set tree_size = ${String(size)}, compact_range = ${range}, root_hash = ${root},
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
    await this.#noteHeld(held);
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
