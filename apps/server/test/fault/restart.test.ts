import { afterAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/ledger/append-event.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { expectConsistentWith, expectWellFormedLog, readLog } from './log-check.js';
import { appendEvents, drained, faultEvent, tileProof } from './support.js';

const database = await createTestDatabase();
let t: TestApp | undefined;
afterAll(async () => {
  await t?.close();
  await database.close();
});

describe('a restart', () => {
  it('resumes sequencing where it stopped: rows queued while no sequencer ran are sequenced exactly once, continuing the indexes', async () => {
    const db = database.db;
    t = await startTestApp({ database });
    const first = await appendEvents(db, 'before', 40);
    await drained(db);
    const before = await readLog(db);
    expect(before.state.size).toBe(40);
    await t.app.close(); // stops the sequencer; the database stays open
    t = undefined;

    // Committed while no sequencer runs: they wait in the outbox.
    const second = await appendEvents(db, 'down', 300, 7);
    const alsoRolledBack = await db
      .transaction()
      .execute(async (tx) => {
        await appendEvent(tx, faultEvent('rolled-back'));
        throw new Error('the domain change failed');
      })
      .catch((err: Error) => err);
    expect(alsoRolledBack).toBeInstanceOf(Error);
    expect((await readLog(db)).outbox).toEqual(second);

    t = await startTestApp({ database });
    await drained(db);
    const after = await readLog(db);
    const key = t.app.ledger.key.verifierKey;
    expectWellFormedLog(after, key);
    expect(after.outbox).toEqual([]);
    // The old log is a prefix of the new one, and the new rows continue its indexes, in
    // outbox order, each once.
    expect(after.entries.slice(0, 40)).toEqual(before.entries);
    expect(after.entries.map((e) => e.outboxId)).toEqual([...first, ...second]);
    expect(after.state.size).toBe(340);
    const checked = await expectConsistentWith({
      notes: after.checkpoints.map((c) => c.note),
      final: after.state.checkpoint,
      verifierKey: key,
      proof: tileProof(db),
    });
    expect(checked).toBe(after.checkpoints.length);

    // And a second restart with nothing queued changes nothing.
    await t.app.close();
    t = await startTestApp({ database });
    expect(await readLog(db)).toEqual(after);
  });
});
