// The command against the real server: a receipt served by apps/server, for a donation event
// made by the server's own event builder and donor commitment, cosigned by a C2SP witness,
// verifies with `goodtrace verify`, both with keys given by hand and with --log-url.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../apps/server/src/db/database.js';
import {
  donorCommitment,
  newDonorSecret,
} from '../../../apps/server/src/donations/donor-secret.js';
import { appendEvent } from '../../../apps/server/src/ledger/append-event.js';
import { donationReceivedEvent } from '../../../apps/server/src/ledger/events.js';
import {
  startTestApp,
  type TestApp,
  testLogOrigin,
} from '../../../apps/server/test/support/app.js';
import { createTestDatabase } from '../../../apps/server/test/support/database.js';
import { startTestWitness } from '../../../apps/server/test/support/witness.js';
import type { Io } from '../src/command.js';
import { main } from '../src/main.js';
import { removeWrittenFiles, writeJson } from './fixtures.js';

let database: Database;
let server: TestApp;
let witness: Awaited<ReturnType<typeof startTestWitness>>;
let base: string;
let logKey: string;
const donationId = '0195d3c2-2222-7000-8000-000000000007';
const secret = newDonorSecret();
let receipt: unknown;

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), cwd: '/', fetch };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  database = await createTestDatabase();
  // A first start fixes the log's key for this database; the witness must know it.
  const first = await startTestApp({ database });
  logKey = first.app.ledger.key.verifierKey;
  await first.close();
  witness = await startTestWitness({ name: 'witness.test', logKey, origin: testLogOrigin });
  server = await startTestApp({
    database,
    env: {
      LOG_WITNESSES: JSON.stringify([{ verifierKey: witness.verifierKey, url: witness.url }]),
    },
  });
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const event = donationReceivedEvent(
    {
      id: donationId,
      projectId: '0195d3c2-3333-7000-8000-000000000001',
      orgId: '0195d3c2-4444-7000-8000-000000000001',
      amount: 123450,
      currency: 'CNY',
      paidSeq: 1,
      donor: donorCommitment(secret, donationId),
    },
    new Date('2026-11-26T09:00:00Z'),
  );
  const id = await database.db.transaction().execute((tx) => appendEvent(tx, event));
  for (let i = 0; i < 500; i++) {
    const response = await fetch(`${base}/api/log/receipts/${id}`);
    if (response.status === 200) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await server.app.ledger.witnesses.syncAll();
  receipt = await (await fetch(`${base}/api/log/receipts/${id}`)).json();
});

afterAll(async () => {
  removeWrittenFiles();
  await server?.close();
  await witness?.close();
  await database?.close();
});

describe('goodtrace verify on a receipt served by the server', () => {
  it('verifies it with the log key and the witness key given by hand', async () => {
    const r = await run([
      'verify',
      writeJson(receipt),
      '--log-key',
      logKey,
      '--witness',
      witness.verifierKey,
      '--origin',
      testLogOrigin,
    ]);
    expect(r.err).toBe('');
    expect(r.out).toContain(`✓ log signature by ${testLogOrigin}`);
    expect(r.out).toContain('✓ 1 of 1 witness cosignatures: quorum 1: witness.test');
    expect(r.out).toMatch(
      /^ {2}event donation\.received \(v1\) at 2026-11-26T09:00:00\.000Z, ¥1,234\.50/m,
    );
    expect(r.code).toBe(0);
  });

  it("proves the donation is the donor's with the secret, and refuses another secret", async () => {
    const file = (s: Buffer) =>
      writeJson({ receipt, donor: { secret: s.toString('hex'), donationId } });
    const mine = await run(['verify', file(secret), '--log-url', base]);
    expect(mine.out).toContain(`✓ donor commitment for donation ${donationId}`);
    expect(mine.code).toBe(0);
    const other = await run(['verify', file(newDonorSecret()), '--log-url', base]);
    expect(other.out).toContain(`✗ donor commitment for donation ${donationId}`);
    expect(other.code).toBe(1);
  });

  it('with --log-url, takes the keys from the server and says so', async () => {
    const r = await run(['verify', writeJson(receipt), '--log-url', base]);
    expect(r.out.split('\n')[0]).toMatch(/^! Trusting 127\.0\.0\.1:\d+'s own answer/);
    expect(r.out).toContain('✓ 1 of 1 witness cosignatures');
    expect(r.code).toBe(0);
  });
});
