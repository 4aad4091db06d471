import type { LedgerEvent } from '@goodtrace/ledger';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { appendEvent } from '../../src/ledger/append-event.js';
import { pendingEvents } from '../../src/ledger/read.js';
import { consistencyProof, TileCache } from '../../src/ledger/tile-store.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function faultEvent(seq: string): LedgerEvent {
  return { type: 'test.fault', v: 1, at: '2026-11-26T08:00:00.000Z', data: { seq } };
}

/** Appends `count` events, `perTx` per committed transaction; returns their outbox ids. */
export async function appendEvents(
  db: Kysely<DB>,
  tag: string,
  count: number,
  perTx = 5,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += perTx) {
    const got = await db.transaction().execute(async (tx) => {
      const out: string[] = [];
      for (let j = i; j < Math.min(count, i + perTx); j++)
        out.push(await appendEvent(tx, faultEvent(`${tag}.${j}`)));
      return out;
    });
    ids.push(...got);
  }
  return ids;
}

/** Polls until `check` holds (or gives up after many tries, failing the test). */
export async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** Until the sequencer(s) emptied the outbox. */
export function drained(db: Kysely<DB>): Promise<void> {
  return until('every outbox row is on the log', async () => (await pendingEvents(db)) === 0);
}

/** A consistency proof computed from the stored tiles. */
export function tileProof(db: Kysely<DB>) {
  const tiles = new TileCache();
  return (from: number, to: number) => consistencyProof(db, tiles, from, to);
}
