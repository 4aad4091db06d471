// The tree thread's entry point (tree-thread.ts). The server runs its TypeScript through tsx;
// a worker thread starts without the parent's loader hooks, so it registers tsx itself and then
// loads the worker's module.
import { register } from 'tsx/esm/api';

register();
await import('./tree-worker.ts');
