/**
 * Group commit: callers hand in items one at a time, and the items that arrive while a batch is
 * being written go together in the next one. What a write costs here is mostly per statement
 * and per transaction (a round trip, a WAL flush), not per row, so N items in one batch cost
 * little more than one.
 *
 * There is no timer. An item handed in while nothing is in flight starts a batch at once: on
 * the event loop's next turn (setImmediate), so the requests whose I/O is already due hand in
 * theirs first and go with it. That matters where the database answers without I/O (PGlite
 * runs in this thread: a transaction on it is one chain of promise callbacks that nothing else
 * interleaves with). The wait an item can see is the batch in flight before it, never a window
 * kept open for company. One batch is in flight at a time, at most `maxBatch` items each; the
 * rest wait in arrival order.
 *
 * Each caller gets its own result or its own error. `run` says for each item whether it was
 * written, refused (an error for that caller alone), or has to wait for the next batch (LATER:
 * for example the same row twice in one batch). If `run` throws, the batch as a whole failed
 * (a deadlock, a lost connection, one row breaking a constraint): with `single`, every item of
 * it is then tried again alone, so one bad item never fails the others; without it, each caller
 * gets the batch's error.
 */

/** An item that could not go in this batch: it goes first in the next one. */
export const LATER: unique symbol = Symbol('group-commit.later');

export type ItemResult<R> = { value: R } | { error: unknown } | typeof LATER;

export interface GroupCommitOptions<T, R> {
  /** Writes a batch; returns one result per item, in the items' order. */
  run(items: readonly T[]): Promise<ItemResult<R>[]>;
  /** The one-item path that each item of a failed batch is retried through. */
  single?: (item: T) => Promise<R>;
  /** The most items one batch takes. */
  maxBatch: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<T, R> {
  readonly #opts: GroupCommitOptions<T, R>;
  #queue: Waiting<T, R>[] = [];
  #busy = false;

  constructor(opts: GroupCommitOptions<T, R>) {
    if (!Number.isSafeInteger(opts.maxBatch) || opts.maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer (got ${opts.maxBatch})`);
    }
    this.#opts = opts;
  }

  /** Items waiting for a batch (not counting the batch in flight). */
  get waiting(): number {
    return this.#queue.length;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#opts.maxBatch);
        const later = await this.#write(batch);
        // Deferred items arrived before everything queued meanwhile: they go first.
        this.#queue.unshift(...later);
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Writes one batch and settles its callers; returns the items deferred to the next one. */
  async #write(batch: Waiting<T, R>[]): Promise<Waiting<T, R>[]> {
    let results: ItemResult<R>[];
    try {
      results = await this.#opts.run(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
      }
      // A batch that defers everything would come back unchanged, forever.
      if (results.every((r) => r === LATER)) {
        throw new Error('group commit: the batch deferred every item');
      }
    } catch (err) {
      await this.#alone(batch, err);
      return [];
    }
    const later: Waiting<T, R>[] = [];
    results.forEach((result, i) => {
      const w = batch[i]!;
      if (result === LATER) later.push(w);
      else if ('error' in result) w.reject(result.error);
      else w.resolve(result.value);
    });
    return later;
  }

  async #alone(batch: Waiting<T, R>[], batchError: unknown): Promise<void> {
    const { single } = this.#opts;
    if (!single) {
      for (const w of batch) w.reject(batchError);
      return;
    }
    await Promise.all(
      batch.map(async (w) => {
        try {
          w.resolve(await single(w.item));
        } catch (err) {
          w.reject(err);
        }
      }),
    );
  }
}

/**
 * The one-item path of a batch function: the item as a batch of one. What `single` is for a
 * batch that writes each item by the same rules alone as together, so no rule is written
 * twice. A batch of one defers nothing (LATER is for a second item that collides with a first).
 */
export function batchOfOne<T, R>(
  run: (items: readonly T[]) => Promise<ItemResult<R>[]>,
): (item: T) => Promise<R> {
  return async (item) => {
    const [result] = await run([item]);
    if (result === undefined || result === LATER) {
      throw new Error('group commit: a batch of one item deferred it');
    }
    if ('error' in result) throw result.error;
    return result.value;
  };
}
