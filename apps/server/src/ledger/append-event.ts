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
  const leaf = encodeEvent(event);
  if (leaf.length > 65_535) {
    // C2SP entry bundles carry a 16-bit length per entry.
    throw new RangeError(
      `a log entry is at most 65535 bytes; this ${event.type} event is ${leaf.length}`,
    );
  }
  const { id } = await tx
    .insertInto('ledger_outbox')
    .values({ event_type: event.type, leaf })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}
