import { checkInvariants, type LoggedEvent, Replay } from '@goodtrace/books';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { fundsTotals } from '../donations/funds.js';
import { readEntries } from '../ledger/read.js';
import { fen } from '../projects/money.js';

const PAGE = 5000;

/**
 * Replays the whole log (packages/books) and compares what it recomputes with what the
 * database says: every project's raised, refunded, owed, spent and unspent amounts and every
 * donation's allocated amount. Returns the log's rule violations, the broken invariants and
 * each difference; all empty means the books and the log agree. Call it when the outbox is
 * drained (events still queued are not on the log yet).
 */
export async function checkBooks(db: Kysely<DB>) {
  const replay = new Replay();
  const decoder = new TextDecoder();
  for (let from = 0; ; from += PAGE) {
    const rows = await readEntries(db, from, from + PAGE);
    for (const r of rows) {
      replay.apply({
        index: Number(r.idx),
        event: JSON.parse(decoder.decode(r.leaf)) as LoggedEvent['event'],
      });
    }
    if (rows.length < PAGE) break;
  }
  const books = replay.finish();
  const differences: string[] = [];

  const projects = await db
    .selectFrom('projects as p')
    .innerJoin(fundsTotals(db).as('f'), 'f.project_id', 'p.id')
    .select(['p.id', 'p.status', 'p.disbursed', 'f.raised', 'f.refunded', 'f.owed', 'f.unspent'])
    .execute();
  for (const p of projects) {
    const b = books.projects.get(p.id);
    if (!b) {
      if (p.status !== 'draft')
        differences.push(`project ${p.id} is ${p.status} but not on the log`);
      continue;
    }
    const db_ = {
      raised: fen(p.raised),
      refunded: fen(p.refunded),
      owed: fen(p.owed),
      disbursed: fen(p.disbursed),
      unspent: fen(p.unspent),
    };
    for (const key of ['raised', 'refunded', 'owed', 'disbursed', 'unspent'] as const) {
      if (db_[key] !== b[key])
        differences.push(
          `project ${p.id}: ${key} is ${db_[key]} in the database, ${b[key]} on the log`,
        );
    }
  }
  const donations = await db
    .selectFrom('donations')
    .select(['id', 'allocated', 'amount', 'status'])
    .where('status', 'in', ['paid', 'refunded'])
    .execute();
  for (const d of donations) {
    const b = books.donations.get(d.id);
    if (!b) {
      differences.push(`donation ${d.id} is ${d.status} but not on the log`);
      continue;
    }
    if (b.amount !== fen(d.amount))
      differences.push(
        `donation ${d.id}: amount ${fen(d.amount)} in the database, ${b.amount} on the log`,
      );
    if (b.allocated !== fen(d.allocated)) {
      differences.push(
        `donation ${d.id}: allocated ${fen(d.allocated)} in the database, ${b.allocated} on the log`,
      );
    }
    if (b.refunded !== (d.status === 'refunded'))
      differences.push(`donation ${d.id}: refund state differs`);
  }
  return { books, violations: books.violations, invariants: checkInvariants(books), differences };
}
