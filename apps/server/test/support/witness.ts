import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWitness } from '@goodtrace/cli';
import { generateSignerKey, KEY_TYPE_COSIGNATURE_V1, parseVerifierKey } from '@goodtrace/ledger';

/**
 * The real `goodtrace witness` (packages/cli), in this process, watching one log, with its own
 * key and a temporary state folder (removed on close). Tests that need it as a separate process
 * spawn the command instead (witness-fork.test.ts).
 */
export async function startTestWitness(opts: { name: string; logKey: string; origin: string }) {
  const { signerKey, verifierKey } = generateSignerKey(opts.name, {
    type: KEY_TYPE_COSIGNATURE_V1,
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'goodtrace-test-witness-'));
  const witness = await startWitness({
    signerKey,
    logs: new Map([[opts.origin, [parseVerifierKey(opts.logKey)]]]),
    stateDir,
    log: () => {},
  });
  return {
    name: opts.name,
    verifierKey,
    url: witness.url,
    /** What it holds: the size of the latest checkpoint it cosigned. */
    state: {
      get size() {
        return witness.state.get(opts.origin)?.size ?? 0;
      },
    },
    close: async () => {
      await witness.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
