import {
  CompactRange,
  generateSignerKey,
  hashFromTileData,
  hashLeaf,
  proveConsistency,
  proveInclusion,
  rootHash,
  TILE_WIDTH,
  tilesForSize,
  verifyInclusion,
} from '@goodtrace/ledger';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { up as addMidNodes } from '../src/db/migrations/2026-11-26-05-tile-mid-nodes.js';
import { createMetrics } from '../src/http/metrics.js';
import { appendEvent } from '../src/ledger/append-event.js';
import { readEntries } from '../src/ledger/read.js';
import { initLogState, LogStateError, Sequencer } from '../src/ledger/sequencer.js';
import {
  appendTiles,
  consistencyProof,
  inclusionProof,
  readTiles,
  TileCache,
} from '../src/ledger/tile-store.js';
import { createTestDatabase } from './support/database.js';

// The sequencer's write path at the level of its SQL: tiles grown in place without being read
// back, and a tile that does not match the tree state rolling the whole batch back.

let database: Database;
let sequencer: Sequencer;
const origin = 'write-path.test.goodtrace.example/log';
beforeAll(async () => {
  database = await createTestDatabase();
  const k = generateSignerKey(origin);
  const key = { signerKey: k.signerKey, verifierKey: k.verifierKey, origin };
  await initLogState(database.db, key);
  sequencer = new Sequencer({
    db: database.db,
    key,
    batchSize: 300,
    pollMs: 5,
    log: pino({ level: 'silent' }),
    metrics: createMetrics().ledger,
  });
});
afterAll(() => database.close());

const event = (n: number) => ({
  type: 'test.event',
  v: 1,
  at: '2026-11-26T08:00:00.000Z',
  data: { n },
});

async function append(from: number, count: number): Promise<void> {
  await database.db.transaction().execute(async (tx) => {
    for (let n = from; n < from + count; n++) await appendEvent(tx, event(n));
  });
}

async function drain(): Promise<number> {
  let total = 0;
  for (let n = await sequencer.sequenceBatch(); n > 0; n = await sequencer.sequenceBatch())
    total += n;
  return total;
}

describe('the sequencer write path', () => {
  it('grows tiles batch by batch to exactly the tiles of the whole tree', async () => {
    // 1,000 entries in batches of ≤ 300: partial level-0 tiles are extended across batches,
    // and level-1 tile 1/0 gets a hash each time a level-0 tile fills (3 of them here).
    for (let i = 0; i < 1000; i += 250) await append(i, 250);
    expect(await drain()).toBe(1000);

    const { rows } = await sql<{ leaf: Uint8Array }>`
      select leaf from ledger_entries(0, 1000)`.execute(database.db);
    const leaves = rows.map((r) => hashLeaf(r.leaf));
    const stored = await readTiles(database.db, tilesForSize(1000));
    for (const t of tilesForSize(1000)) {
      const tile = stored.get(`${t.level}/${t.index}`);
      expect(tile?.data.length, `tile ${t.level}/${t.index}`).toBe(t.width * 32);
      // One mid node per 16 hashes, each the root of those 16.
      expect(tile?.mid.length, `tile ${t.level}/${t.index} mid`).toBe(
        Math.floor(t.width / 16) * 32,
      );
      for (let m = 0; m < Math.floor(t.width / 16); m++) {
        expect(tile!.mid.subarray(m * 32, m * 32 + 32)).toEqual(
          hashFromTileData(tile!.data, m * 16, 16),
        );
      }
    }
    // Level 0 holds the leaf hashes themselves.
    const tile0 = stored.get('0/0')!;
    for (let i = 0; i < TILE_WIDTH; i++) {
      expect(tile0.data.subarray(i * 32, i * 32 + 32)).toEqual(leaves[i]);
    }
    const range = new CompactRange();
    range.append(leaves);
    expect(range.root()).toEqual(rootHash(leaves));
    const state = await database.db
      .selectFrom('ledger_state')
      .select(['tree_size', 'root_hash'])
      .executeTakeFirstOrThrow();
    expect(state.tree_size).toBe('1000');
    expect(new Uint8Array(state.root_hash)).toEqual(range.root());
  });

  it('proofs from the stored tiles and their mid nodes equal proofs from the leaves, at every size', async () => {
    const leaves = (
      await sql<{ leaf: Uint8Array }>`select leaf from ledger_entries(0, 1000)`.execute(database.db)
    ).rows.map((r) => hashLeaf(r.leaf));
    // From the leaves alone: the reference.
    const fromLeaves = (node: { level: number; index: number }) =>
      rootHash(leaves.slice(node.index * 2 ** node.level, (node.index + 1) * 2 ** node.level));
    const tiles = new TileCache();
    // Sizes on and around the mid-node (16) and tile (256) boundaries, and the whole log.
    for (const size of [1, 15, 16, 17, 31, 33, 255, 256, 257, 272, 511, 512, 513, 767, 1000]) {
      const root = rootHash(leaves.slice(0, size));
      for (const index of new Set([0, 15, 16, 100, 255, 256, 511, 700, size - 1])) {
        if (index >= size) continue;
        const proof = await inclusionProof(database.db, tiles, index, size);
        expect(proof).toEqual(proveInclusion({ index, treeSize: size, hashAt: fromLeaves }));
        verifyInclusion({ leafHash: leaves[index]!, index, treeSize: size, proof, rootHash: root });
      }
      for (const old of [1, 16, 17, 256, 300]) {
        if (old >= size) continue;
        const proof = await consistencyProof(database.db, tiles, old, size);
        expect(proof).toEqual(
          proveConsistency({ oldSize: old, newSize: size, hashAt: fromLeaves }),
        );
      }
    }
  });

  it('the migration that added mid nodes computes, for a log written before it, the nodes the sequencer writes', async () => {
    const before = await readTiles(database.db, tilesForSize(1000));
    await sql`alter table ledger_tiles drop column mid`.execute(database.db);
    await addMidNodes(database.db);
    const after = await readTiles(database.db, tilesForSize(1000));
    expect(after.size).toBe(before.size);
    for (const [key, tile] of before) expect(after.get(key), key).toEqual(tile);
    // And the table refuses mid nodes out of step with the hashes.
    await expect(
      sql`update ledger_tiles set mid = '' where level = 0 and idx = 0`.execute(database.db),
    ).rejects.toThrow(/ledger_tiles_mid_width/);
  });

  it('appendTiles refuses to grow a tile that does not hold exactly the hashes before the new ones', async () => {
    const hash = new Uint8Array(32).fill(7);
    // Tile 0/3 holds 1000 % 256 = 232 hashes: appending at 231 or 233 is refused, as is
    // creating a tile that exists, or growing one that does not.
    expect(
      await database.db
        .transaction()
        .execute((tx) =>
          appendTiles(tx, [{ level: 0, index: 3, start: 231, data: hash, mid: new Uint8Array(0) }]),
        ),
    ).toEqual([{ level: 0, index: 3, width: 232, expected: 231 }]);
    expect(
      await database.db
        .transaction()
        .execute((tx) =>
          appendTiles(tx, [{ level: 0, index: 3, start: 0, data: hash, mid: new Uint8Array(0) }]),
        ),
    ).toEqual([{ level: 0, index: 3, width: 232, expected: 0 }]);
    expect(
      await database.db
        .transaction()
        .execute((tx) =>
          appendTiles(tx, [{ level: 0, index: 9, start: 5, data: hash, mid: new Uint8Array(0) }]),
        ),
    ).toEqual([{ level: 0, index: 9, width: 0, expected: 5 }]);
  });

  it('a batch whose tile does not match the state rolls back whole: nothing sequenced, the outbox kept', async () => {
    // Damage the partial level-0 tile, as a bug or a hand edit could.
    await sql`update ledger_tiles set data = substring(data from 33) where level = 0 and idx = 3`.execute(
      database.db,
    );
    await append(1000, 10);
    await expect(sequencer.sequenceBatch()).rejects.toThrow(LogStateError);
    await expect(sequencer.sequenceBatch()).rejects.toThrow(
      'tile 0/3 holds 231 hashes, expected 232',
    );
    const { rows } = await sql<{ size: string; pending: string; placed: string }>`
      select (select tree_size from ledger_state) as size,
             (select count(*) from ledger_outbox where ledger_index_of(id) is null) as pending,
             (select sum(cardinality(outbox_ids)) from ledger_batches) as placed`.execute(
      database.db,
    );
    expect(rows[0]).toEqual({ size: '1000', pending: '10', placed: '1000' });
  });
});

describe('proofs over cached tiles', () => {
  it('a proof built from cached full tiles equals the one read from the database, and verifies', async () => {
    // Three full level-0 tiles (the test above left the last, partial tile damaged on purpose).
    const size = 3 * TILE_WIDTH;
    const leaves = await readEntries(database.db, 0, size);
    const leafHashes = leaves.map((l) => hashLeaf(l.leaf));
    const root = rootHash(leafHashes);
    const tiles = new TileCache();
    for (const index of [0, TILE_WIDTH - 1, TILE_WIDTH, 2 * TILE_WIDTH + 3, size - 1]) {
      // A transaction never reads or fills the cache.
      const cachedBefore = tiles.size;
      const fromDb = await database.db
        .transaction()
        .execute(async (tx) => inclusionProof(tx, tiles, index, size));
      expect(tiles.size).toBe(cachedBefore);
      const first = await inclusionProof(database.db, tiles, index, size); // fills the cache
      expect(tiles.size).toBeGreaterThan(0);
      const cached = await inclusionProof(database.db, tiles, index, size);
      expect(cached).toEqual(fromDb);
      expect(first).toEqual(fromDb);
      verifyInclusion({
        leafHash: leafHashes[index]!,
        index,
        treeSize: size,
        proof: cached,
        rootHash: root,
      });
    }
  });
});
