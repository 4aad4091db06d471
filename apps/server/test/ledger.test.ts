import {
  decodeBase64,
  decodeEntryBundle,
  decodeTile,
  hashLeaf,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  rootHash,
  tilePath,
  tilesForSize,
  verifyConsistency,
  verifyInclusion,
  verifyReceipt,
} from '@goodtrace/ledger';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, appendEvents } from '../src/ledger/append-event.js';
import { currentSize, readEntries } from '../src/ledger/read.js';
import {
  Client,
  createStaff,
  errorCode,
  sampleOrg,
  startTestApp,
  type TestApp,
  testLogOrigin,
} from './support/app.js';
import { startTestWitness } from './support/witness.js';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

const event = (n: number) => ({
  type: 'test.event',
  v: 1,
  at: '2026-11-26T08:00:00.000Z',
  data: { n },
});

/** Each outbox id's log index, null while it is pending. */
async function indexesOf(outboxIds: string[]): Promise<Map<string, string | null>> {
  const { rows } = await sql<{ id: string; idx: string | null }>`
    select k.id::text as id, ledger_index_of(k.id)::text as idx
    from unnest(${outboxIds}::bigint[]) as k(id)`.execute(t.database.db);
  return new Map(rows.map((r) => [r.id, r.idx]));
}

async function sequenced(outboxIds: string[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const indexes = await indexesOf(outboxIds);
    if ([...indexes.values()].every((idx) => idx !== null)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('events were not sequenced');
}

async function appendMany(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 250) {
    await t.database.db.transaction().execute(async (tx) => {
      for (let j = i; j < Math.min(count, i + 250); j++) ids.push(await appendEvent(tx, event(j)));
    });
  }
  await sequenced(ids);
  return ids;
}

/** Fetch as an independent client would: plain HTTP, nothing but packages/ledger to check. */
async function get(path: string): Promise<Response> {
  return fetch(base + path);
}

describe('the transactional outbox', () => {
  it('an event appended in a rolled-back transaction never reaches the log; a committed one is sequenced exactly once', async () => {
    const db = t.database.db;
    let rolledBack = '';
    await db
      .transaction()
      .execute(async (tx) => {
        rolledBack = await appendEvent(tx, event(-1));
        throw new Error('the domain change failed');
      })
      .catch(() => {});
    const kept = await db.transaction().execute((tx) => appendEvent(tx, event(-2)));
    await sequenced([kept]);
    const rows = await readEntries(db, 0, await currentSize(db));
    expect(rows.filter((r) => r.outbox_id === kept)).toHaveLength(1);
    expect(rows.filter((r) => r.outbox_id === rolledBack)).toHaveLength(0);
    // The rolled-back row does not exist; every row that does is on the log.
    const { rows: pending } = await sql`
      select id from ledger_outbox where ledger_index_of(id) is null`.execute(db);
    expect(pending).toEqual([]);
    expect(
      await db.selectFrom('ledger_outbox').select('id').where('id', '=', rolledBack).execute(),
    ).toEqual([]);
  });

  it('several events appended in one statement keep their order on the log', async () => {
    const events = [event(9001), event(9002), event(9003)];
    const ids = await t.database.db.transaction().execute((tx) => appendEvents(tx, events));
    await sequenced(ids);
    const rows = (await readEntries(t.database.db, 0, await currentSize(t.database.db))).filter(
      (r) => ids.includes(r.outbox_id),
    );
    expect(rows.map((r) => r.outbox_id)).toEqual(ids);
    // Consecutive indexes, in the order appended.
    expect(rows.map((r) => Number(r.idx) - Number(rows[0]!.idx))).toEqual([0, 1, 2]);
    expect(rows.map((r) => JSON.parse(Buffer.from(r.leaf).toString()).data.n)).toEqual([
      9001, 9002, 9003,
    ]);
    expect(await t.database.db.transaction().execute((tx) => appendEvents(tx, []))).toEqual([]);
  });

  it('refuses an event that is not canonical JSON, writing nothing', async () => {
    const db = t.database.db;
    const before = await db.selectFrom('ledger_outbox').select('id').execute();
    await expect(
      db.transaction().execute((tx) => appendEvent(tx, { ...event(0), data: { big: 2 ** 60 } })),
    ).rejects.toMatchObject({ code: expect.any(String) });
    expect(await db.selectFrom('ledger_outbox').select('id').execute()).toEqual(before);
  });
});

describe('the log over HTTP (C2SP tlog-tiles), checked with packages/ledger alone', () => {
  it('a verified charity is on the log, and tiles, entry bundles and the checkpoint agree', async () => {
    const admin = await createStaff(t, 'admin@ledger.test', 'admin');
    const owner = await new Client(t.app).signUp('owner@ledger.test');
    const org = (await owner.post('/api/orgs', sampleOrg('ledger'))).json();
    await admin.post(`/api/admin/orgs/${org.id}/verify`);
    await appendMany(600); // past two full level-0 tiles

    const key = (await (await get('/log/key')).text()).trim();
    expect(key.startsWith(`${testLogOrigin}+`)).toBe(true);
    const note = await (await get('/log/checkpoint')).text();
    const { text } = openNote(note, [parseVerifierKey(key)]);
    const cp = parseCheckpoint(text);
    expect(cp.origin).toBe(testLogOrigin);

    // Every entry, from the entry bundles; the root recomputed from them.
    const leaves: Uint8Array[] = [];
    for (const tile of tilesForSize(cp.size).filter((x) => x.level === 0)) {
      const res = await get(
        `/log/${tilePath({ level: -1, index: tile.index, width: tile.width })}`,
      );
      expect(res.status).toBe(200);
      leaves.push(...decodeEntryBundle(new Uint8Array(await res.arrayBuffer()), tile.width));
    }
    expect(leaves).toHaveLength(cp.size);
    const leafHashes = leaves.map(hashLeaf);
    expect(Buffer.from(rootHash(leafHashes))).toEqual(Buffer.from(cp.rootHash));

    // The hash tiles hold exactly those leaf hashes (level 0) and their 256-leaf roots (level 1).
    for (const tile of tilesForSize(cp.size)) {
      const res = await get(`/log/${tilePath(tile)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      const hashes = decodeTile(new Uint8Array(await res.arrayBuffer()), tile.width);
      const want =
        tile.level === 0
          ? leafHashes.slice(tile.index * 256, tile.index * 256 + tile.width)
          : Array.from({ length: tile.width }, (_, i) =>
              rootHash(leafHashes.slice(i * 256, (i + 1) * 256)),
            );
      expect(hashes.map((h) => Buffer.from(h).toString('hex'))).toEqual(
        want.map((h) => Buffer.from(h).toString('hex')),
      );
    }

    const verified = leaves
      .map((l) => JSON.parse(Buffer.from(l).toString('utf8')))
      .find((e: { type: string }) => e.type === 'org.verified');
    expect(verified.data).toMatchObject({
      orgId: org.id,
      name: org.name,
      registrationNumber: org.registrationNumber,
    });
  });

  it('a tile beyond the tree, or a malformed tile path, is a 404', async () => {
    expect((await get('/log/tile/0/x999/000')).status).toBe(404);
    expect((await get('/log/tile/0/000.p/0')).status).toBe(404);
    expect((await get('/log/tile/entries/999')).status).toBe(404);
    expect((await get('/log/tile/bogus')).status).toBe(404);
  });
});

describe('proofs and receipts', () => {
  it('inclusion and consistency proofs from the API verify against the signed checkpoints', async () => {
    const old = (await (await get('/api/log')).json()) as { treeSize: number; rootHash: string };
    await appendMany(300);
    const now = (await (await get('/api/log')).json()) as { treeSize: number; rootHash: string };
    const c = (await (await get(`/api/log/proofs/consistency?from=${old.treeSize}`)).json()) as {
      proof: string[];
      to: number;
    };
    expect(c.to).toBe(now.treeSize);
    verifyConsistency({
      oldSize: old.treeSize,
      newSize: now.treeSize,
      proof: c.proof.map((h) => decodeBase64(h)),
      oldRoot: decodeBase64(old.rootHash),
      newRoot: decodeBase64(now.rootHash),
    });
    for (const index of [0, 1, 255, 256, old.treeSize - 1, now.treeSize - 1]) {
      const p = (await (await get(`/api/log/proofs/inclusion?index=${index}`)).json()) as {
        leafHash: string;
        proof: string[];
        treeSize: number;
      };
      verifyInclusion({
        leafHash: decodeBase64(p.leafHash),
        index,
        treeSize: p.treeSize,
        proof: p.proof.map((h) => decodeBase64(h)),
        rootHash: decodeBase64(now.rootHash),
      });
    }
    const against = await get(`/api/log/proofs/inclusion?index=3&treeSize=${old.treeSize}`);
    expect(against.status).toBe(200);
    const unknown = await t.app.inject({
      url: '/api/log/proofs/inclusion?index=0&treeSize=999999999',
    });
    expect(errorCode(unknown)).toBe('log_size_unknown');
    const beyond = await t.app.inject({ url: `/api/log/proofs/inclusion?index=${now.treeSize}` });
    expect(errorCode(beyond)).toBe('validation_failed');
  });

  it('a receipt is pending until sequenced, then verifies end to end', async () => {
    // Stop this app's sequencer, so the event waits in the outbox until sequenced by hand.
    // (Later tests that append run an app of their own.)
    const sequencer = t.app.ledger.sequencer!;
    await sequencer.stop();
    const id = await t.database.db.transaction().execute((tx) => appendEvent(tx, event(424242)));
    const first = await t.app.inject({ url: `/api/log/receipts/${id}` });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ status: 'pending' });
    expect(await sequencer.sequenceBatch()).toBe(1);
    const receipt = (await t.app.inject({ url: `/api/log/receipts/${id}` })).json();
    const key = (await (await get('/log/key')).text()).trim();
    const v = verifyReceipt(receipt, {
      logKey: key,
      witnesses: [],
      quorum: 0,
      origin: testLogOrigin,
    });
    expect(v.leafIndex).toBe(receipt.leafIndex);
    expect(receipt.event).toEqual(event(424242));
    expect((await t.app.inject({ url: '/api/log/receipts/999999999' })).statusCode).toBe(404);
    expect(errorCode(await t.app.inject({ url: '/api/log/receipts/0' }))).toBe('validation_failed');
  });

  it('lists entries in order, the latest by default', async () => {
    const latest = (await (await get('/api/log/entries?limit=3')).json()) as {
      treeSize: number;
      items: { index: number }[];
    };
    expect(latest.items.map((e) => e.index)).toEqual([
      latest.treeSize - 3,
      latest.treeSize - 2,
      latest.treeSize - 1,
    ]);
    const first = (await (await get('/api/log/entries?from=0&limit=2')).json()) as {
      items: { index: number; event: { type: string } }[];
    };
    expect(first.items.map((e) => e.index)).toEqual([0, 1]);
    expect(errorCode(await t.app.inject({ url: '/api/log/entries?limit=1000' }))).toBe(
      'validation_failed',
    );
  });

  it('metrics report what was sequenced', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/goodtrace_ledger_entries_sequenced_total \d+/);
    expect(text).toMatch(/goodtrace_ledger_sequencing_latency_seconds_count \d+/);
    expect(text).toMatch(/goodtrace_ledger_checkpoint_age_seconds /);
  });
});

describe('witnesses', () => {
  it('each new checkpoint is sent to the witnesses; their cosignatures are served and satisfy a 2-of-2 policy', async () => {
    const key = (await (await get('/log/key')).text()).trim();
    const w1 = await startTestWitness({
      name: 'witness-one.example',
      logKey: key,
      origin: testLogOrigin,
    });
    const w2 = await startTestWitness({
      name: 'witness-two.example',
      logKey: key,
      origin: testLogOrigin,
    });
    const witnessed = await startTestApp({
      database: t.database,
      env: {
        LOG_WITNESSES: JSON.stringify([
          { verifierKey: w1.verifierKey, url: w1.url },
          { verifierKey: w2.verifierKey, url: w2.url },
        ]),
      },
    });
    try {
      const ids = [await t.database.db.transaction().execute((tx) => appendEvent(tx, event(7)))];
      await sequenced(ids);
      expect(await witnessed.app.ledger.witnesses.syncAll()).toEqual([
        'witness-one.example',
        'witness-two.example',
      ]);
      const note = (await witnessed.app.inject({ url: '/log/checkpoint' })).body;
      const opened = openNote(note, [
        parseVerifierKey(key),
        parseVerifierKey(w1.verifierKey),
        parseVerifierKey(w2.verifierKey),
      ]);
      const info = (await witnessed.app.inject({ url: '/api/log' })).json();
      expect(info.witnesses).toEqual([
        { name: 'witness-one.example', url: w1.url, verifierKey: w1.verifierKey, cosigned: true },
        { name: 'witness-two.example', url: w2.url, verifierKey: w2.verifierKey, cosigned: true },
      ]);
      expect(opened.signatures.map((s) => s.name).sort()).toEqual([
        testLogOrigin,
        'witness-one.example',
        'witness-two.example',
      ]);

      // Later checkpoints are sent with a consistency proof from the size each witness signed.
      await appendMany(50);
      await witnessed.app.ledger.witnesses.syncAll();
      expect(w1.state.size).toBe(Number(parseCheckpoint(opened.text).size) + 50);

      const receipt = (await witnessed.app.inject({ url: `/api/log/receipts/${ids[0]}` })).json();
      const v = verifyReceipt(receipt, {
        logKey: key,
        witnesses: [w1.verifierKey, w2.verifierKey],
        quorum: 2,
        origin: testLogOrigin,
      });
      expect(v.cosignatures).toHaveLength(2);
      expect(() =>
        verifyReceipt(receipt, {
          logKey: key,
          witnesses: [w1.verifierKey, w2.verifierKey, parseVerifierKey(key)],
          quorum: 3,
        }),
      ).toThrow();
    } finally {
      await witnessed.app.close();
      await w1.close();
      await w2.close();
    }
  });
});

describe('the log key', () => {
  it("a process configured with another key refuses to sign for this database's log", async () => {
    await expect(
      startTestApp({
        database: t.database,
        env: {
          LOG_SIGNER_KEY: (await import('@goodtrace/ledger')).generateSignerKey(testLogOrigin)
            .signerKey,
        },
      }),
    ).rejects.toThrow(/signed by/);
  });
});
