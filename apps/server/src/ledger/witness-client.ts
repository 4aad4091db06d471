import {
  encodeBase64,
  parseVerifierKey,
  splitNote,
  type Verifier,
  verifyCosignature,
} from '@goodtrace/ledger';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { WitnessConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import type { LedgerMetrics } from '../http/metrics.js';
import { consistencyProof } from './tile-store.js';

interface Witness {
  name: string;
  url: string;
  verifierKey: string;
  verifier: Verifier;
}

/**
 * The client side of C2SP tlog-witness: after new checkpoints, each configured witness is
 * sent `add-checkpoint` with a consistency proof from the size it last cosigned; its
 * cosignatures are checked against its key and stored beside the checkpoint. Witnesses are
 * served one at a time and always with the newest checkpoint, so a slow witness costs a
 * lag, never a queue.
 */
export class WitnessClient {
  readonly witnesses: Witness[];
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly opts: {
      db: Kysely<DB>;
      witnesses: WitnessConfig[];
      log: FastifyBaseLogger;
      metrics: LedgerMetrics;
      intervalMs?: number;
      timeoutMs?: number;
    },
  ) {
    this.witnesses = opts.witnesses.map((w) => {
      const verifier = parseVerifierKey(w.verifierKey);
      return { name: verifier.name, url: w.url, verifierKey: w.verifierKey, verifier };
    });
  }

  start(): void {
    if (this.witnesses.length === 0) return;
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  nudge(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      await this.syncAll();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.intervalMs ?? 1_000);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Brings every witness up to the latest checkpoint; returns the names that cosigned it. */
  async syncAll(): Promise<string[]> {
    const ok: string[] = [];
    for (const w of this.witnesses) {
      try {
        if (await this.#sync(w)) ok.push(w.name);
      } catch (err) {
        this.opts.metrics.witnessFailures.inc({ witness: w.name });
        this.opts.log.warn({ err, witness: w.name }, 'witness did not cosign');
        await this.#recordError(w, (err as Error).message);
      }
    }
    return ok;
  }

  async #sync(w: Witness, retried = false): Promise<boolean> {
    const { db } = this.opts;
    const state = await db
      .selectFrom('ledger_state')
      .select(['tree_size', 'checkpoint'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const size = Number(state.tree_size);
    const ws = await db
      .selectFrom('ledger_witness_state')
      .select('tree_size')
      .where('witness', '=', w.name)
      .executeTakeFirst();
    const old = Number(ws?.tree_size ?? 0);
    this.opts.metrics.witnessLag.set({ witness: w.name }, size - old);
    if (old >= size && ws) return true;

    const proof = old === 0 || old === size ? [] : await consistencyProof(db, old, size);
    const body = `old ${old}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${state.checkpoint}`;
    const res = await fetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (res.status === 409 && !retried && /^\d+\n?$/.test(text)) {
      // The witness has cosigned another size than we remembered (state lost, or a
      // concurrent client): restart from the size it knows, if that is one of ours.
      const theirs = Number(text.trim());
      if (theirs > size)
        throw new Error(
          `witness ${w.name} has seen size ${theirs}, beyond our ${size}: possible fork`,
        );
      await this.#recordSize(w, theirs, null);
      return this.#sync(w, true);
    }
    if (res.status !== 200)
      throw new Error(`add-checkpoint answered ${res.status}: ${text.slice(0, 200)}`);

    const { text: checkpointText } = splitNote(state.checkpoint);
    const lines = text.split('\n').filter((l) => l.length > 0);
    const valid: string[] = [];
    for (const line of lines) {
      try {
        verifyCosignature({ checkpoint: checkpointText, signature: line, verifierKey: w.verifier });
        valid.push(`${line}\n`);
      } catch {
        // Signatures by other keys of the witness may come along; only ours count.
      }
    }
    if (valid.length === 0) throw new Error(`witness ${w.name} returned no valid cosignature`);
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('ledger_cosignatures')
        .values({
          tree_size: String(size),
          witness: w.name,
          signature_line: valid[0]!,
          created_at: new Date(),
        })
        .onConflict((oc) =>
          oc.columns(['tree_size', 'witness']).doUpdateSet({ signature_line: valid[0]! }),
        )
        .execute();
      await this.#recordSize(w, size, null, tx);
    });
    this.opts.metrics.witnessLag.set({ witness: w.name }, 0);
    return true;
  }

  async #recordSize(w: Witness, size: number, error: string | null, db: Kysely<DB> = this.opts.db) {
    await db
      .insertInto('ledger_witness_state')
      .values({
        witness: w.name,
        tree_size: String(size),
        updated_at: new Date(),
        last_error: error,
      })
      .onConflict((oc) =>
        oc
          .column('witness')
          .doUpdateSet({ tree_size: String(size), updated_at: new Date(), last_error: error }),
      )
      .execute();
  }

  async #recordError(w: Witness, error: string) {
    await this.opts.db
      .insertInto('ledger_witness_state')
      .values({ witness: w.name, tree_size: '0', updated_at: new Date(), last_error: error })
      .onConflict((oc) =>
        oc.column('witness').doUpdateSet({ updated_at: new Date(), last_error: error }),
      )
      .execute()
      .catch(() => {});
  }
}
