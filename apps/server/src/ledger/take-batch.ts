/**
 * The sequencer's take protocol, as the database runs it now (docs/ledger.md "Epochs"). The
 * migrations that installed it (2026-11-27-08, then 09) each carry a frozen copy of the text
 * they ran; this file is the live one. To change the protocol, change it here AND add a
 * migration that installs the new text: test/migrations.test.ts checks that the functions in a
 * migrated database are exactly these.
 *
 * For the log to take outbox rows in id order, the sequencer must know which ids are settled —
 * every transaction that drew one has committed or rolled back — without waiting for appenders
 * or making them wait. Epochs do it:
 *
 *   - Every INSERT into the outbox first holds, until its transaction ends, a shared advisory
 *     lock on the current epoch (a statement trigger, before any id is drawn; it re-reads the
 *     epoch after the lock is granted, so it never holds an epoch that was already closed).
 *   - A sequencer batch opens a round: it reads the last id drawn (the round's horizon), then
 *     moves the epoch on. Later appenders lock the new epoch and draw larger ids.
 *   - A later batch closes the round once it can take the old epochs' locks exclusively, with
 *     pg_try_advisory_xact_lock: nobody waits. Granted means no transaction that could hold
 *     an id up to the horizon is still running, and every later statement sees all of them.
 *   - The batch takes the outbox rows in (sequenced_through, horizon], in id order, and
 *     records them as ONE ledger_batches row.
 *
 * Commit dependencies stay in log order: a transaction that read another's committed data drew
 * its outbox id after that commit, so its id is larger (domain code calls appendEvent after
 * its reads and locks). A transaction that stays open holds its epoch's lock and delays the
 * log — not the appenders — until it ends (the sequencer names it in a warning: sequencer.ts).
 */

/** The sequencer's advisory lock: one batch at a time per database. */
export const SEQUENCER_LOCK = 0x6f6f_6474_7261;
/** The first key of the epoch locks; the second is the epoch modulo 2^31. */
export const EPOCH_LOCK_CLASS = 0x6774_6570; // "gtep"

/**
 * The trigger function every INSERT into ledger_outbox runs first (a statement trigger): a
 * shared lock on the current epoch, held until the appender's transaction ends.
 */
export const HOLD_EPOCH_FUNCTION = `
    create function ledger_outbox_hold_epoch() returns trigger language plpgsql as $$
    declare
      e bigint;
    begin
      loop
        e := pg_sequence_last_value('ledger_epoch_seq');
        perform pg_advisory_xact_lock_shared(${EPOCH_LOCK_CLASS}, (e % 2147483648)::int);
        exit when e = pg_sequence_last_value('ledger_epoch_seq');
      end loop;
      return null;
    end $$`;

/**
 * `ledger_take_batch(batch_size)`, called by Sequencer.sequenceBatch: one function so that its
 * steps run in this order, each statement with a fresh snapshot (READ COMMITTED, a VOLATILE
 * function): lock, close the open round, open the next one, take the settled rows, record the
 * batch. One row comes back: the state the caller extends the tree from; `packed`, all the
 * taken entries' queued_at (timestamptz_send: int8 µs since 2000-01-01) then all their leaf
 * hashes, in log order (extend-tree.ts reads it); and the epoch a still-running transaction
 * holds, if that kept the round open.
 *
 * The aggregates read the rows of a subquery ordered by id with a LIMIT, with no join or
 * grouping between: the executor hands them the rows in that order, so they need no ORDER BY
 * of their own (PostgreSQL before 16 would sort their input again: docs/PERFORMANCE.md
 * "Seventh round"), and all aggregates of one Agg node see each row in turn, so `ids` and the
 * hashes agree entry by entry.
 */
export const TAKE_BATCH_FUNCTION = `
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
      declare
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
      -- A full batch ends at its last row; a short one took everything settled.
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
