import type { LogHealth } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { latestCosigners, listAlarms, logState, witnessStates } from '../ledger/read.js';

/**
 * The log's health for the auditor's console: its size and how old its checkpoint is, each
 * witness with the size it last cosigned, its lag and its last error, the latest checkpoint
 * witnesses cosigned, and the alarms raised (a fork a witness refused, a lost quorum).
 */
export async function logHealth(
  db: Kysely<DB>,
  configured: { name: string; url: string }[],
  now: Date,
): Promise<LogHealth> {
  const [state, states, cosigned, alarms] = await Promise.all([
    logState(db),
    witnessStates(db),
    latestCosigners(db),
    listAlarms(db, 50),
  ]);
  const { treeSize } = state;
  const byName = new Map(states.map((s) => [s.witness, s]));
  // Configured witnesses first (in their order), then any the store remembers that no longer are.
  const names = [
    ...configured.map((w) => w.name),
    ...states.map((s) => s.witness).filter((n) => !configured.some((w) => w.name === n)),
  ];
  return {
    treeSize,
    checkpointAt: state.signedAt.toISOString(),
    checkpointAgeSeconds: Math.max(
      0,
      Math.round((now.getTime() - state.signedAt.getTime()) / 1000),
    ),
    cosigned,
    witnesses: names.map((name) => {
      const s = byName.get(name);
      const cosignedSize = s?.treeSize ?? 0;
      return {
        name,
        url: configured.find((w) => w.name === name)?.url ?? null,
        configured: configured.some((w) => w.name === name),
        cosignedSize,
        lag: Math.max(0, treeSize - cosignedSize),
        lastError: s?.lastError ?? null,
        updatedAt: s ? s.updatedAt.toISOString() : null,
      };
    }),
    alarms,
  };
}
