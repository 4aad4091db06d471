import { parentPort, workerData } from 'node:worker_threads';
import { setCryptoProvider } from '@goodtrace/ledger';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { type CheckpointSigner, extendTree } from './extend-tree.js';

/** The tree thread's side (tree-thread.ts): extends the tree for each batch it is sent. */
export interface ExtendRequest {
  id: number;
  range: Uint8Array;
  packed: Uint8Array;
  n: number;
}

setCryptoProvider(nodeCryptoProvider());
const key = (workerData as { key: CheckpointSigner }).key;

parentPort!.on('message', (req: ExtendRequest) => {
  try {
    const result = extendTree(key, req.range, req.packed, req.n);
    parentPort!.postMessage({ id: req.id, result });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ id: req.id, error: { name: e.name, message: e.message } });
  }
});
