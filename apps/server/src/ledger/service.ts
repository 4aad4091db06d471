import { openNote, parseCheckpoint, parseVerifierKey, splitNote } from '@goodtrace/ledger';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { LedgerConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import type { LedgerMetrics } from '../http/metrics.js';
import { type ReceiptSource, withCosignatures } from './read.js';
import { initLogState, Sequencer } from './sequencer.js';
import { type LogKey, loadLogKey } from './signer-key.js';
import { TileCache } from './tile-store.js';
import { WitnessClient } from './witness-client.js';

/**
 * The ledger as the rest of the server sees it: the log's key, the sequencer and the
 * witness client, started and stopped with the app. Domain code only ever calls
 * appendEvent(tx, event); reads go through the queries in ./read.ts.
 */
export class LedgerService {
  readonly sequencer: Sequencer | undefined;
  readonly witnesses: WitnessClient;
  /** The tiles proofs read through: one cache for this database, shared by every reader. */
  readonly tiles = new TileCache();
  /** What receipts rest on (the configured k of n) and read through: every receipt reader gets it. */
  readonly receipts: ReceiptSource;

  private constructor(
    readonly db: Kysely<DB>,
    readonly key: LogKey,
    private readonly config: LedgerConfig,
    log: FastifyBaseLogger,
    private readonly metrics: LedgerMetrics,
  ) {
    this.witnesses = new WitnessClient({
      db,
      tiles: this.tiles,
      witnesses: config.witnesses,
      log,
      metrics,
      logKey: parseVerifierKey(key.verifierKey),
    });
    // Receipts rest only on checkpoints with the configured k of n cosignatures.
    this.receipts = {
      policy: { quorum: config.quorum, witnesses: this.witnesses.witnesses.map((w) => w.name) },
      tiles: this.tiles,
    };
    this.sequencer = config.sequencer
      ? new Sequencer({
          db,
          key,
          batchSize: config.batchSize,
          pollMs: config.pollMs,
          log,
          metrics,
          onCheckpoint: () => this.witnesses.nudge(),
        })
      : undefined;
  }

  static async open(opts: {
    db: Kysely<DB>;
    config: LedgerConfig;
    log: FastifyBaseLogger;
    metrics: LedgerMetrics;
    createKeyIfMissing: boolean;
  }): Promise<LedgerService> {
    const key = loadLogKey({
      origin: opts.config.origin,
      signerKey: opts.config.signerKey,
      keyFile: opts.config.signerKeyFile,
      createIfMissing: opts.createKeyIfMissing,
    });
    await initLogState(opts.db, key);
    return new LedgerService(opts.db, key, opts.config, opts.log, opts.metrics);
  }

  start(): void {
    this.sequencer?.start();
    if (this.config.witnessClient) this.witnesses.start();
  }

  async stop(): Promise<void> {
    await this.sequencer?.stop();
    await this.witnesses.stop();
  }

  /** The latest checkpoint with the cosignatures collected for it, as a signed note. */
  async servedCheckpoint(): Promise<{ note: string; size: number }> {
    const state = await this.db
      .selectFrom('ledger_state')
      .select(['tree_size', 'checkpoint'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const size = Number(state.tree_size);
    return { note: await withCosignatures(this.db, size, state.checkpoint), size };
  }

  /** Refreshes gauges that are cheaper to compute on scrape than to keep up to date. */
  async refreshMetrics(): Promise<void> {
    const state = await this.db
      .selectFrom('ledger_state')
      .select(['tree_size', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!state) return;
    this.metrics.treeSize.set(Number(state.tree_size));
    this.metrics.checkpointAge.set((Date.now() - state.updated_at.getTime()) / 1000);
    const witnesses = await this.db
      .selectFrom('ledger_witness_state')
      .select(['witness', 'tree_size'])
      .execute();
    for (const w of witnesses) {
      this.metrics.witnessLag.set(
        { witness: w.witness },
        Number(state.tree_size) - Number(w.tree_size),
      );
    }
  }

  /** For the transparency page: the key, the witnesses and the latest checkpoint, checked. */
  async describe() {
    const { note, size } = await this.servedCheckpoint();
    const opened = openNote(note, [
      parseVerifierKey(this.key.verifierKey),
      ...this.witnesses.witnesses.map((w) => w.verifier),
    ]);
    const checkpoint = parseCheckpoint(splitNote(note).text);
    return {
      origin: this.key.origin,
      verifierKey: this.key.verifierKey,
      treeSize: size,
      rootHash: Buffer.from(checkpoint.rootHash).toString('base64'),
      checkpoint: note,
      quorum: this.config.quorum,
      witnesses: this.witnesses.witnesses.map((w) => ({
        name: w.name,
        url: w.url,
        verifierKey: w.verifierKey,
        cosigned: opened.signatures.some((s) => s.name === w.name),
      })),
    };
  }
}
