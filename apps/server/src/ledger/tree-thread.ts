import { Worker } from 'node:worker_threads';
import { CompactRange } from '@goodtrace/ledger';
import type { CheckpointSigner, TreeExtension } from './extend-tree.js';
import type { ExtendRequest } from './tree-worker.js';

type Reply =
  | { id: number; result: TreeExtension }
  | { id: number; error: { name: string; message: string } };

/**
 * The sequencer's hashing and signing, on a thread of their own: per event about 1.3 µs of
 * SHA-256 for an interior node, plus the tile grouping and, per batch, the checkpoint's
 * signature. On the main thread that work competed with every request the
 * server answers (and with the appenders in the ledger bench, where the main thread was the
 * bottleneck: docs/PERFORMANCE.md, sixth round). One worker, one batch at a time; it is started
 * on the first batch, and again after it died.
 */
export class TreeThread {
  #worker: Worker | undefined;
  #next = 0;
  readonly #pending = new Map<
    number,
    { resolve: (r: TreeExtension) => void; reject: (e: Error) => void }
  >();

  constructor(private readonly key: CheckpointSigner) {}

  /** extendTree (extend-tree.ts), computed on the tree thread. */
  extend(range: Uint8Array, packed: Uint8Array, n: number): Promise<TreeExtension> {
    const worker = this.#worker ?? this.#spawn();
    const id = ++this.#next;
    // Copied into buffers of their own and moved, not cloned: a Buffer from the driver is a view
    // of a larger one, and cloning a view copies all of the memory behind it. (Not .slice(): on
    // a Buffer it is a view too, and moving its memory would take the driver's, or the shared
    // pool's, which Node then clones whole instead.)
    const req: ExtendRequest = {
      id,
      range: new Uint8Array(range),
      packed: new Uint8Array(packed),
      n,
    };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage(req, [req.range.buffer as ArrayBuffer, req.packed.buffer as ArrayBuffer]);
    });
  }

  /** Starts the thread and waits until it answers (it loads in about half a second). */
  async warmUp(): Promise<void> {
    await this.extend(new CompactRange().toBytes(), new Uint8Array(0), 0);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./tree-worker.mjs', import.meta.url), {
      workerData: { key: { signerKey: this.key.signerKey, origin: this.key.origin } },
      // Workspace packages resolve to their TypeScript sources, as in the main thread.
      execArgv: [...process.execArgv, '--conditions=@goodtrace/source'],
    });
    // It does not keep the process alive: the sequencer's open transaction does, while a batch
    // waits for it.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if ('error' in reply) {
        const err = new Error(reply.error.message);
        err.name = reply.error.name;
        waiting.reject(err);
      } else {
        waiting.resolve(reply.result);
      }
    });
    const fail = (err: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const waiting of this.#pending.values()) waiting.reject(err);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the tree thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
