import { type Kysely, sql } from 'kysely';

/**
 * The log stores each leaf once (docs/ledger.md "Epochs", docs/PERFORMANCE.md "Sixth round").
 * Frozen: add a new migration to change this. It carries the text of everything it runs and
 * exports nothing but up and down; migration 09 replaced its take, and the live protocol is
 * src/ledger/take-batch.ts.
 *
 * Until now the sequencer moved every event: DELETE from the outbox, INSERT into
 * `ledger_entries` with two indexes, VACUUM of the drained outbox — three row writes per event,
 * the larger part of what verifiability cost over a plain insert. Now an outbox row is the
 * entry, kept for good, and a sequencer batch writes ONE row: `ledger_batches`, the outbox ids
 * it put on the log, in log order, from index `first_idx` on.
 *
 * For the log to take the rows in outbox id order, the sequencer must know which ids are
 * settled — every transaction that drew one has committed or rolled back — without waiting for
 * appenders or making them wait. Epochs do it (the function `ledger_take_batch` below):
 *
 *   - Every INSERT into the outbox first holds, until its transaction ends, a shared advisory
 *     lock on the current epoch (a statement trigger, before any id is drawn; it re-reads the
 *     epoch after the lock is granted, so it never holds an epoch that was already closed).
 *   - A sequencer batch opens a round: it reads the last id drawn (the round's horizon), then
 *     moves the epoch on. Later appenders lock the new epoch and draw larger ids.
 *   - A later batch closes the round once it can take the old epochs' locks exclusively, with
 *     pg_try_advisory_xact_lock: nobody waits. Granted means no transaction that could hold
 *     an id up to the horizon is still running, and every later statement sees all of them.
 *   - The batch takes the outbox rows in (sequenced_through, horizon], in id order.
 *
 * Commit dependencies stay in log order: a transaction that read another's committed data drew
 * its outbox id after that commit, so its id is larger (domain code calls appendEvent after
 * its reads and locks, as before). A transaction that stays open holds its epoch's lock and
 * delays the log — not the appenders — until it ends (the sequencer warns about it).
 */

/** The sequencer's advisory lock (apps/server/src/ledger/sequencer.ts): one batch at a time. */
const SEQUENCER_LOCK = 0x6f6f_6474_7261;
/** The first key of the epoch locks; the second is the epoch modulo 2^31. */
const EPOCH_LOCK_CLASS = 0x6774_6570; // "gtep"

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence ledger_epoch_seq as bigint`.execute(db);
  // Epoch 1 is current from here on: last_value reads 1 and the next flip returns 2.
  await sql`select nextval('ledger_epoch_seq')`.execute(db);

  await sql`alter table ledger_state
    add column sequenced_through bigint not null default 0,
    add column settled_through bigint not null default 0,
    add column epoch_closed bigint not null default 0,
    add column round_epoch bigint,
    add column round_horizon bigint,
    add constraint ledger_state_round check ((round_epoch is null) = (round_horizon is null)),
    add constraint ledger_state_through check (sequenced_through <= settled_through)`.execute(db);

  // One row per sequencer batch: entries first_idx … first_idx + cardinality(outbox_ids) - 1
  // are those outbox rows, in this order. last_id is the largest outbox id the batch settled
  // (ids up to it that are not in any batch were never committed); it finds an outbox id's
  // batch in one index probe.
  await sql`create table ledger_batches (
    first_idx bigint primary key,
    last_id bigint not null unique,
    outbox_ids bigint[] not null check (cardinality(outbox_ids) > 0),
    sequenced_at timestamptz not null
  )`.execute(db);
  // Ids do not compress well and are read often: out of line when large, never compressed.
  await sql`alter table ledger_batches alter column outbox_ids set storage external`.execute(db);

  await convertExistingLog(db);
  await sql`drop table ledger_entries`.execute(db);
  // The leaf hash is computed by the sequencer's take now, not stored with every row: the
  // tiles keep it, and the appenders' transactions no longer pay for it.
  await sql`alter table ledger_outbox drop column leaf_hash`.execute(db);

  await sql
    .raw(`
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
    end $$`)
    .execute(db);
  await sql`create trigger ledger_outbox_hold_epoch before insert on ledger_outbox
    for each statement execute function ledger_outbox_hold_epoch()`.execute(db);

  // The sequencer's take (sequencer.ts), as one function so that its steps run in this order,
  // each statement with a fresh snapshot (READ COMMITTED, a VOLATILE function): lock, close
  // the open round, open the next one, take the settled rows, record the batch. One row comes
  // back: the state the caller extends the tree from, and per entry in log order its queued_at
  // (timestamptz_send: int8 µs since 2000-01-01) and leaf hash, packed in one bytea
  // (extend-tree.ts reads it); and the epoch a still-running transaction holds, if that kept
  // the round open.
  await sql.raw(takeBatchFunction(TAKE_IN_ID_ORDER)).execute(db);

  // The log's entries from_idx ≤ idx < to_idx, in index order: what the entries table was.
  await sql`create function ledger_entries(from_idx bigint, to_idx bigint)
    returns table (idx bigint, outbox_id bigint, event_type text, leaf bytea,
                   queued_at timestamptz, sequenced_at timestamptz)
    language sql stable as $$
      select b.first_idx + s.skip + u.ord - 1, o.id, o.event_type, o.leaf, o.queued_at,
             b.sequenced_at
      from ledger_batches b
      cross join lateral (select greatest(from_idx - b.first_idx, 0)::int as skip,
        least(to_idx - b.first_idx, cardinality(b.outbox_ids))::int as upto) s
      cross join lateral unnest(b.outbox_ids[s.skip + 1 : s.upto]) with ordinality as u(id, ord)
      join ledger_outbox o on o.id = u.id
      where b.first_idx >= (select coalesce(max(f.first_idx), 0) from ledger_batches f
                            where f.first_idx <= from_idx)
        and b.first_idx < to_idx
      order by 1
    $$`.execute(db);

  // An outbox id's log index, or null while it is pending (or if it never committed).
  await sql`create function ledger_index_of(outbox_id bigint) returns bigint
    language sql stable as $$
      select b.first_idx + array_position(b.outbox_ids, outbox_id) - 1
      from ledger_batches b where b.last_id >= outbox_id
      order by b.last_id limit 1
    $$`.execute(db);
}

/**
 * A log written before this migration: its entries' rows go back into the outbox under their
 * own ids, and its batches are rebuilt from ledger_entries. The old sequencer did not take rows
 * in id order across batches, so a rebuilt batch is a run of entries whose ids cover a range
 * no other run touches (cut where every id so far is smaller than every id after). Rows still
 * pending whose ids are below a sequenced one are given new ids, and every column that holds
 * an outbox id follows them, so that everything pending lies beyond sequenced_through.
 */
async function convertExistingLog(db: Kysely<any>): Promise<void> {
  // One DO block: atomic even where the migration's statements would not share a transaction
  // or a connection, and the renumbering's scratch table lives only inside it.
  await sql
    .raw(`
    do $$
    declare
      max_id bigint := (select max(outbox_id) from ledger_entries);
      c record;
    begin
      if max_id is null then
        return;
      end if;
      -- All pending rows, in their order, if any must move: dependencies among them stay in order.
      if exists (select from ledger_outbox where id < max_id) then
        create temporary table ledger_renumbered as
          select id as old_id,
            (select last_value from ledger_outbox_id_seq) + row_number() over (order by id) as new_id
          from ledger_outbox;
        perform setval('ledger_outbox_id_seq', (select max(new_id) from ledger_renumbered));
        insert into ledger_outbox (id, event_type, leaf, queued_at) overriding system value
          select m.new_id, o.event_type, o.leaf, o.queued_at
          from ledger_renumbered m join ledger_outbox o on o.id = m.old_id;
        for c in
          select table_name, column_name from information_schema.columns
          where table_schema = current_schema() and table_name not like 'ledger\\_%'
            and (column_name = 'outbox_id' or column_name like '%\\_outbox\\_id')
        loop
          execute format(
            'update %I t set %I = m.new_id from ledger_renumbered m where t.%I = m.old_id',
            c.table_name, c.column_name, c.column_name);
        end loop;
        delete from ledger_outbox where id in (select old_id from ledger_renumbered);
        drop table ledger_renumbered;
      end if;

      insert into ledger_outbox (id, event_type, leaf, queued_at) overriding system value
        select outbox_id, event_type, leaf, queued_at from ledger_entries;
      insert into ledger_batches (first_idx, last_id, outbox_ids, sequenced_at)
        select min(idx), max(outbox_id), array_agg(outbox_id order by idx), max(sequenced_at)
        from (
          select idx, outbox_id, sequenced_at,
            coalesce(sum(cut::int) over (order by idx
              rows between unbounded preceding and 1 preceding), 0) as run
          from (
            select idx, outbox_id, sequenced_at,
              coalesce(max(outbox_id) over (order by idx
                         rows between unbounded preceding and current row)
                       < min(outbox_id) over (order by idx
                         rows between 1 following and unbounded following),
                       true) as cut
            from ledger_entries
          ) e
        ) r
        group by run;
      update ledger_state set sequenced_through = max_id, settled_through = max_id where id = 1;
    end $$`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function ledger_index_of(bigint)`.execute(db);
  await sql`drop function ledger_entries(bigint, bigint)`.execute(db);
  await sql`drop function ledger_take_batch(int)`.execute(db);
  await sql`drop trigger ledger_outbox_hold_epoch on ledger_outbox`.execute(db);
  await sql`drop function ledger_outbox_hold_epoch()`.execute(db);
  await sql`create table ledger_entries (
    idx bigint primary key,
    outbox_id bigint not null unique,
    event_type text not null,
    leaf bytea not null,
    queued_at timestamptz not null,
    sequenced_at timestamptz not null
  )`.execute(db);
  await sql`insert into ledger_entries (idx, outbox_id, event_type, leaf, queued_at, sequenced_at)
    select b.first_idx + u.ord - 1, o.id, o.event_type, o.leaf, o.queued_at, b.sequenced_at
    from ledger_batches b
    cross join lateral unnest(b.outbox_ids) with ordinality as u(id, ord)
    join ledger_outbox o on o.id = u.id`.execute(db);
  await sql`delete from ledger_outbox o using ledger_entries e where e.outbox_id = o.id`.execute(
    db,
  );
  await sql`drop table ledger_batches`.execute(db);
  await sql`alter table ledger_outbox add column leaf_hash bytea not null
    generated always as (sha256('\\x00'::bytea || leaf)) stored`.execute(db);
  await sql`alter table ledger_state
    drop constraint ledger_state_through, drop constraint ledger_state_round,
    drop column round_horizon, drop column round_epoch, drop column epoch_closed,
    drop column settled_through, drop column sequenced_through`.execute(db);
  await sql`drop sequence ledger_epoch_seq`.execute(db);
}

/**
 * The take statement of this migration: the settled rows in id order, each aggregate sorting
 * its input (migration 2026-11-27-09 takes them without those sorts).
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
