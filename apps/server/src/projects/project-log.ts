import type { LedgerEvent } from '@goodtrace/ledger';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { appendEvents } from '../ledger/append-event.js';

/**
 * Puts a project's events on the log in the caller's transaction and remembers that they
 * concern this project, so its page can list its history with a receipt for each.
 */
export async function logProjectEvents(
  tx: Kysely<DB>,
  projectId: string,
  events: LedgerEvent[],
): Promise<string[]> {
  const ids = await appendEvents(tx, events);
  await tx
    .insertInto('project_events')
    .values(
      ids.map((outboxId, i) => ({
        project_id: projectId,
        outbox_id: outboxId,
        event_type: events[i]!.type,
        at: events[i]!.at,
      })),
    )
    .execute();
  return ids;
}
