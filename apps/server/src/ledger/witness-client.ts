// The alarm kinds (ledger_alarms.kind) are part of the API, so the contract lists them.
import type { AlarmKind } from '@goodtrace/contract';
import {
  encodeBase64,
  isLedgerError,
  openNote,
  parseCheckpoint,
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
import { consistencyProof, type TileCache } from './tile-store.js';

interface Witness {
  name: string;
  url: string;
  verifierKey: string;
  verifier: Verifier;
}

/** How often a witness's fork evidence (GET <url>/alarms) is read. */
const ALARMS_PULL_MS = 5_000;

/** A witness holds another history of the log than ours; raised once per contradiction. */
export class ForkAlarm extends Error {
  override readonly name = 'ForkAlarm';
  constructor(
    readonly kind: AlarmKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The client side of C2SP tlog-witness: after new checkpoints, each configured witness is
 * sent `add-checkpoint` with a consistency proof from the size it last cosigned; its
 * cosignatures are checked against its key and stored beside the checkpoint. Witnesses are
 * served one at a time and always with the newest checkpoint, so a slow witness costs a
 * lag, never a queue. A witness whose answers show it holds another history of the log (a
 * fork: the log's key signed two views) raises an alarm: an error log line, the counter
 * goodtrace_ledger_fork_alarms_total and a row in ledger_alarms (GET /api/log/alarms).
 */
export class WitnessClient {
  readonly witnesses: Witness[];
  #stopping = false;
  // Rounds never overlap (the loop and a direct syncAll): two would race one witness and could
  // take each other's newer checkpoint for a fork.
  #round: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Evidence already looked at (witness + signed note), and when each witness was last asked. */
  readonly #evidenceSeen = new Set<string>();
  readonly #alarmsPulledAt = new Map<string, number>();

  constructor(
    private readonly opts: {
      db: Kysely<DB>;
      /** The tiles the consistency proofs sent to witnesses are read through. */
      tiles: TileCache;
      witnesses: WitnessConfig[];
      log: FastifyBaseLogger;
      metrics: LedgerMetrics;
      /** The log's own key: a witness's fork evidence counts only if this key signed it. */
      logKey: Verifier;
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
      await this.syncAll({ throttleAlarms: true });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.intervalMs ?? 1_000);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * Brings every witness up to the latest checkpoint and reads its fork evidence (the
   * background loop only every few seconds); returns the names that cosigned it.
   */
  syncAll(opts: { throttleAlarms?: boolean } = {}): Promise<string[]> {
    const round = this.#round.then(() => this.#syncAllNow(opts.throttleAlarms ?? false));
    this.#round = round.catch(() => {});
    return round;
  }

  async #syncAllNow(throttleAlarms: boolean): Promise<string[]> {
    const ok: string[] = [];
    for (const w of this.witnesses) {
      try {
        if (await this.#sync(w)) ok.push(w.name);
      } catch (err) {
        this.opts.metrics.witnessFailures.inc({ witness: w.name });
        if (!(err instanceof ForkAlarm)) {
          this.opts.log.warn({ err, witness: w.name }, 'witness did not cosign');
        }
        await this.#recordError(w, (err as Error).message);
      }
      await this.#pullAlarms(w, throttleAlarms);
    }
    return ok;
  }

  /**
   * Reads a witness's fork evidence (GET <url>/alarms, a Goodtrace witness's extension to
   * C2SP tlog-witness; other witnesses answer 404 and are left alone) and raises an alarm for
   * each checkpoint in it that the log's key signed but the log never recorded — a view of
   * the log someone showed the witness behind this server's back. Our own checkpoints in it
   * (a genuine checkpoint replayed with a bad proof) are not forks.
   */
  async #pullAlarms(w: Witness, throttle: boolean): Promise<void> {
    const logKey = this.opts.logKey;
    // Evidence changes rarely: the loop, which runs every second, asks every few seconds.
    const now = Date.now();
    if (throttle && now - (this.#alarmsPulledAt.get(w.name) ?? 0) < ALARMS_PULL_MS) return;
    this.#alarmsPulledAt.set(w.name, now);
    let items: { kind?: unknown; refused?: unknown; held?: unknown }[];
    try {
      const res = await fetch(`${w.url}/alarms`, {
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      if (!res.ok) return;
      const body = (await res.json()) as { items?: unknown };
      if (!Array.isArray(body.items)) return;
      items = body.items;
    } catch {
      return;
    }
    for (const item of items) {
      for (const note of [item.refused, item.held]) {
        const seen = `${w.name}\n${note}`;
        if (typeof note !== 'string' || note === '' || this.#evidenceSeen.has(seen)) continue;
        let checkpoint: ReturnType<typeof parseCheckpoint>;
        try {
          checkpoint = parseCheckpoint(openNote(note, [logKey]).text);
        } catch {
          continue; // not signed by our key: no evidence against this log
        }
        const ours = await this.#ourRoot(checkpoint.size);
        this.#evidenceSeen.add(seen);
        if (ours && Buffer.from(ours).equals(Buffer.from(checkpoint.rootHash))) continue;
        await this.#raise(
          w,
          'witness_refused_fork',
          checkpoint.size,
          `witness ${w.name} refused a checkpoint of size ${checkpoint.size} signed with the log's key that is not in the log's record (${String(item.kind)}): someone holding the key showed it another history`,
        );
      }
    }
  }

  async #sync(w: Witness, attempt = 0): Promise<boolean> {
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

    const proof =
      old === 0 || old === size ? [] : await consistencyProof(db, this.opts.tiles, old, size);
    const body = `old ${old}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${state.checkpoint}`;
    const res = await fetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (res.status === 409 && /^\d+\n?$/.test(text)) {
      const theirs = Number(text.trim());
      if (theirs === old) {
        // It holds the size we sent as old, so the conflict is the root: same size, two trees.
        await this.#alarm(
          w,
          'root_mismatch',
          theirs,
          `witness ${w.name} holds a checkpoint of size ${theirs} with another root than the log's`,
        );
      }
      if (theirs > size && !(await this.#ourRoot(theirs))) {
        await this.#alarm(
          w,
          'witness_ahead',
          theirs,
          `witness ${w.name} has cosigned size ${theirs}, beyond any checkpoint of this log (latest ${size})`,
        );
      }
      // It has cosigned another size than we remembered (state lost, or a checkpoint sent
      // by another process): start again from the size it knows. A size of another history
      // shows up there, as a consistency proof from it that the witness refuses (422).
      if (attempt < 2) {
        await this.#recordSize(w, theirs, null);
        return this.#sync(w, attempt + 1);
      }
    }
    if (res.status === 422 && old > 0) {
      // The proof came from our own tree, from the size the witness says it holds (no 409):
      // its checkpoint of that size is not ours.
      await this.#alarm(
        w,
        'proof_rejected',
        old,
        `witness ${w.name} refused a consistency proof from size ${old} to ${size} built from the log's own tree: its checkpoint of size ${old} is not the log's`,
      );
    }
    if (res.status !== 200)
      throw new Error(`add-checkpoint answered ${res.status}: ${text.slice(0, 200)}`);

    const { text: checkpointText } = splitNote(state.checkpoint);
    const lines = text.split('\n').filter((l) => l.length > 0);
    const valid: string[] = [];
    let forged = false;
    for (const line of lines) {
      try {
        verifyCosignature({ checkpoint: checkpointText, signature: line, verifierKey: w.verifier });
        valid.push(`${line}\n`);
      } catch (err) {
        // Signatures by other keys of the witness may come along; only ours count. One by its
        // key that does not verify over our checkpoint was made over another one.
        if (isLedgerError(err, 'invalid_signature')) forged = true;
      }
    }
    if (valid.length === 0 && forged) {
      await this.#alarm(
        w,
        'invalid_cosignature',
        size,
        `witness ${w.name} answered checkpoint ${size} with a cosignature over another checkpoint`,
      );
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

  /** The root of the log's own checkpoint of this size, if it signed one (a witness may hold any). */
  async #ourRoot(size: number): Promise<Uint8Array | undefined> {
    const row = await this.opts.db
      .selectFrom('ledger_checkpoints')
      .select('root_hash')
      .where('tree_size', '=', String(size))
      .executeTakeFirst();
    return row?.root_hash;
  }

  /**
   * Raises a fork alarm (once per kind, witness and size: the client meets the same witness
   * again every round) and throws it, so the witness counts as failed.
   */
  async #alarm(w: Witness, kind: AlarmKind, treeSize: number, detail: string): Promise<never> {
    await this.#raise(w, kind, treeSize, detail);
    throw new ForkAlarm(kind, detail);
  }

  /** Records, counts and logs a fork alarm the first time it is met. */
  async #raise(w: Witness, kind: AlarmKind, treeSize: number, detail: string): Promise<void> {
    const raised = await this.opts.db
      .insertInto('ledger_alarms')
      .values({
        kind,
        witness: w.name,
        tree_size: String(treeSize),
        detail,
        created_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['kind', 'witness', 'tree_size']).doNothing())
      .returning('id')
      .execute();
    if (raised.length > 0) {
      this.opts.metrics.forkAlarms.inc({ witness: w.name });
      this.opts.log.error(
        { alarm: kind, witness: w.name, treeSize, alarmId: raised[0]!.id },
        `FORK ALARM: ${detail}`,
      );
    }
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
