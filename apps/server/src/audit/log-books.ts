import { type Books, type LoggedEvent, Replay } from '@goodtrace/books';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { readEntries } from '../ledger/read.js';

/** Entries read per query while catching up. */
const BATCH = 5000;

/**
 * The books as the log alone says they are: one packages/books Replay per server process,
 * fed the stored log entries in index order. Each read first catches up from the last index
 * it applied, a batch at a time, so the console shows exactly what an outside auditor
 * replaying the same log recomputes (the audit tool runs the same Replay over the tiles),
 * and a request costs only the entries logged since the previous one.
 *
 * The entries are the log (append-only, never rewritten), so what was applied stays true;
 * catch-ups are serialised, so two requests never feed the same entry twice.
 */
export class LogBooks {
  readonly #replay = new Replay();
  #next = 0;
  #running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly batch = BATCH,
  ) {}

  /** Catches up with the stored log, then returns the books through its last entry. */
  async books(): Promise<Books> {
    const run = this.#running.then(() => this.#catchUp());
    // A failed catch-up (the database went away) must not wedge the ones after it.
    this.#running = run.catch(() => {});
    await run;
    return this.snapshot();
  }

  /**
   * The books as replayed so far. Not Replay.finish(), which reports a disbursement's missing
   * continuation parts: mid-log those may simply not be read yet.
   */
  snapshot(): Books {
    const r = this.#replay;
    return {
      projects: r.projects,
      donations: r.donations,
      disbursements: r.disbursements,
      violations: r.violations,
      entries: this.#next,
    };
  }

  async #catchUp(): Promise<void> {
    const decoder = new TextDecoder();
    for (;;) {
      const rows = await readEntries(this.db, this.#next, this.#next + this.batch);
      for (const r of rows) {
        const index = Number(r.idx);
        // Entries are committed with the tree size, in order; a gap would mean a read of a
        // half-visible batch, so stop and read it again next time.
        if (index !== this.#next) return;
        let event: LoggedEvent['event'];
        try {
          event = JSON.parse(decoder.decode(r.leaf)) as LoggedEvent['event'];
        } catch {
          // Not JSON (a damaged store): reported, and the replay goes on past it.
          this.#replay.violations.push({
            index,
            code: 'malformed_event',
            message: `entry ${index} is not JSON`,
          });
          this.#next = index + 1;
          continue;
        }
        this.#replay.apply({ index, event });
        this.#next = index + 1;
      }
      if (rows.length < this.batch) return;
    }
  }
}
