import { type Kysely, sql } from 'kysely';
import { TAKE_IN_ID_ORDER, takeBatchFunction } from './2026-11-27-08-ledger-store-once.js';

/**
 * The sequencer's take without sorting what is already in order, and in the layout the tree
 * thread uses as it is (docs/PERFORMANCE.md, "Seventh round"). Frozen: add a new migration to
 * change this.
 *
 * Migration 08's take aggregated the settled rows with `array_agg(id ORDER BY id)` and
 * `string_agg(… ORDER BY id)`. PostgreSQL before 16 sorts the input of every aggregate that has
 * an ORDER BY, even when it arrives in that order, so each batch sorted its rows twice: a
 * quarter of the take's time (0.75 of 2.8 ms for 2,000 rows on the bench VM). The rows come
 * from a subquery ordered by id with a LIMIT, and the aggregates sit directly on it (no join,
 * no grouping), so the executor hands them the rows in that order: the case PostgreSQL's
 * documentation gives for feeding an aggregate from a sorted subquery. All aggregates of one
 * Agg node see each row in turn, so `ids` and the hashes agree entry by entry whatever the
 * order; the tests check that entries follow outbox ids (ledger-store-once.test.ts, the fault
 * tests' log check).
 *
 * `packed` is now all the queued times, then all the leaf hashes (before: time and hash
 * interleaved per entry): the hashes are then one contiguous run, which the tree thread cuts
 * into tiles without copying each hash (extend-tree.ts).
 */

const TAKE_IN_SCAN_ORDER = `      declare
        times bytea;
        hashes bytea;
      begin
        select count(*)::int, max(t.id), array_agg(t.id),
               string_agg(timestamptz_send(t.queued_at), ''::bytea),
               string_agg(sha256('\\x00'::bytea || t.leaf), ''::bytea)
          into n, last_taken, ids, times, hashes
          from (select o.id, o.queued_at, o.leaf from ledger_outbox o
                where o.id > st.sequenced_through and o.id <= settled
                order by o.id limit batch_size) t;
        packed := times || hashes;
      end;
`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(takeBatchFunction(TAKE_IN_SCAN_ORDER)).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Migration 08's take, in the packed layout the sequencer of that version reads.
  await sql.raw(takeBatchFunction(TAKE_IN_ID_ORDER)).execute(db);
}
