import { type Kysely, sql } from 'kysely';

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
 *
 * It carries the whole text it runs, the function around the take included (a copy of
 * migration 08's, which `down` puts back with 08's take): a migration imports nothing from
 * another or from later code. The live protocol is apps/server/src/ledger/take-batch.ts.
 */

/** The sequencer's advisory lock: one batch at a time. */
const SEQUENCER_LOCK = 0x6f6f_6474_7261;
/** The first key of the epoch locks; the second is the epoch modulo 2^31. */
const EPOCH_LOCK_CLASS = 0x6774_6570; // "gtep"

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

/**
 * Migration 08's take statement, which `down` puts back: the settled rows in id order, each
 * aggregate sorting its input.
 */
const TAKE_IN_ID_ORDER = `      select count(*)::int, max(t.id), array_agg(t.id order by t.id),
             string_agg(timestamptz_send(t.queued_at) || sha256('\\x00'::bytea || t.leaf),
                        ''::bytea order by t.id)
        into n, last_taken, ids, packed
        from (select o.id, o.queued_at, o.leaf from ledger_outbox o
              where o.id > st.sequenced_through and o.id <= settled
              order by o.id limit batch_size) t;
`;

/**
 * The text of `ledger_take_batch` around a take statement, which selects into n, last_taken, ids
 * and packed.
 */
function takeBatchFunction(take: string): string {
  return `
    create or replace function ledger_take_batch(batch_size int)
    returns table (ok boolean, tree_size bigint, compact_range bytea, n int, packed bytea,
                   held_epoch bigint)
    language plpgsql volatile as $$
    declare
      st record;
      e bigint;
      closed bigint;
      settled bigint;
      r_epoch bigint;
      r_horizon bigint;
      drawn bigint;
      through bigint;
      ids bigint[];
      last_taken bigint;
    begin
      if not pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) then
        return query select false, null::bigint, null::bytea, 0, null::bytea, null::bigint;
        return;
      end if;
      select s.tree_size, s.compact_range, s.sequenced_through, s.settled_through,
             s.epoch_closed, s.round_epoch, s.round_horizon
        into st from ledger_state s where s.id = 1 for update;
      if not found then
        raise exception 'the log has no state row: initLogState was not run';
      end if;
      closed := st.epoch_closed;
      settled := st.settled_through;
      r_epoch := st.round_epoch;
      r_horizon := st.round_horizon;

      -- At most two rounds per batch: close the open one, if any; then open the next (if ids
      -- were drawn beyond what is settled) and try to close it at once, which succeeds when no
      -- appender is in the middle of a transaction (an idle log takes its rows in one batch).
      -- Opening reads the horizon first, then flips the epoch: an appender that drew an id up to
      -- the horizon holds an older epoch. Closing takes every epoch up to the round's,
      -- exclusively, without waiting; the locks are held until this batch commits.
      for pass in 1..2 loop
        if r_epoch is null then
          drawn := coalesce(pg_sequence_last_value(
            pg_get_serial_sequence('ledger_outbox', 'id')::regclass), 0);
          exit when drawn <= settled;
          r_horizon := drawn;
          r_epoch := nextval('ledger_epoch_seq') - 1;
        end if;
        e := closed + 1;
        while e <= r_epoch loop
          exit when not pg_try_advisory_xact_lock(${EPOCH_LOCK_CLASS}, (e % 2147483648)::int);
          closed := e;
          e := e + 1;
        end loop;
        exit when closed < r_epoch;
        settled := greatest(settled, r_horizon);
        r_epoch := null;
        r_horizon := null;
      end loop;
      if r_epoch is not null then
        held_epoch := closed + 1;
      end if;

      -- Take the settled rows. This statement's snapshot is younger than the locks above, so
      -- every transaction that could hold one of these ids has ended and is visible.
${take}      -- A full batch ends at its last row; a short one took everything settled.
      through := case when n = batch_size then last_taken else settled end;
      if n > 0 then
        insert into ledger_batches (first_idx, last_id, outbox_ids, sequenced_at)
        values (st.tree_size, through, ids, clock_timestamp());
      end if;
      update ledger_state s
        set sequenced_through = through, settled_through = settled, epoch_closed = closed,
            round_epoch = r_epoch, round_horizon = r_horizon
        where s.id = 1;
      return query select true, st.tree_size, st.compact_range, n, packed, held_epoch;
    end $$`;
}
