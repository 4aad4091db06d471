import { encodeEvent, type LedgerEvent } from '@goodtrace/ledger';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Puts an event on the log, inside the caller's transaction: it is written to the outbox,
 * so the domain change and its event commit together or not at all. The sequencer gives it
 * a log index shortly after the commit. Returns the outbox id, from which a receipt can be
 * fetched (GET /api/log/receipts/:id) once the event is sequenced.
 *
 * The leaf is the RFC 8785 canonical JSON of the event; a malformed event (a non-JSON value,
 * a number beyond 2^53) throws a LedgerError here, before anything is written.
 */
export async function appendEvent(tx: Kysely<DB>, event: LedgerEvent): Promise<string> {
  const [id] = await appendEvents(tx, [event]);
  return id!;
}

/**
 * Puts several events on the log in one statement, in the caller's transaction; their
 * outbox ids come back in the same order (and the sequencer keeps that order). For a domain
 * operation that logs many events at once, one round trip instead of one per event.
 */
export async function appendEvents(tx: Kysely<DB>, events: LedgerEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = events.map((event) => {
    const leaf = encodeEvent(event);
    if (leaf.length > 65_535) {
      // C2SP entry bundles carry a 16-bit length per entry.
      throw new RangeError(
        `a log entry is at most 65535 bytes; this ${event.type} event is ${leaf.length}`,
      );
    }
    return { event_type: event.type, leaf };
  });
  // Identity values are drawn in VALUES order; sort to be independent of RETURNING's order
  // (which in practice is already ascending: then one pass checks it, and nothing is sorted).
  const ids = (await tx.insertInto('ledger_outbox').values(rows).returning('id').execute()).map(
    (r) => r.id,
  );
  for (let i = 1; i < ids.length; i++) {
    if (compareIds(ids[i - 1]!, ids[i]!) > 0) return ids.sort(compareIds);
  }
  return ids;
}

/** Orders bigint ids (decimal strings of positive integers, no leading zeros) numerically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
