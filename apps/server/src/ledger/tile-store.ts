import {
  type HashAt,
  hashAtFromTiles,
  proveConsistency,
  proveInclusion,
  TILE_WIDTH,
  type Tile,
} from '@goodtrace/ledger';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/schema.js';

const HASH = 32;

/** Stored hash tiles by (level, index), as far as they have grown. */
export async function readTiles(
  db: Kysely<DB>,
  tiles: { level: number; index: number }[],
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  if (tiles.length === 0) return found;
  const rows = await db
    .selectFrom('ledger_tiles')
    .select(['level', 'idx', 'data'])
    .where(
      sql<boolean>`(level, idx) in (${sql.join(tiles.map((t) => sql`(${t.level}::smallint, ${String(t.index)}::bigint)`))})`,
    )
    .execute();
  for (const r of rows) found.set(`${r.level}/${r.idx}`, new Uint8Array(r.data));
  return found;
}

/**
 * Full tiles never change once written (the log only grows), so proofs keep the most recently
 * used ones in memory: a donor's trace asks for several proofs over the same few tiles.
 * Per database handle, and never inside a transaction, whose writes may still roll back.
 */
const FULL_TILE_BYTES = TILE_WIDTH * HASH;
const CACHED_TILES = 2048; // 16 MiB
const fullTiles = new WeakMap<Kysely<DB>, Map<string, Uint8Array>>();

function tileCache(db: Kysely<DB>): Map<string, Uint8Array> | undefined {
  if (db.isTransaction) return undefined;
  let cache = fullTiles.get(db);
  if (!cache) {
    cache = new Map();
    fullTiles.set(db, cache);
  }
  return cache;
}

async function readTilesCached(db: Kysely<DB>, tiles: Tile[]): Promise<Map<string, Uint8Array>> {
  const cache = tileCache(db);
  const found = new Map<string, Uint8Array>();
  const missing: Tile[] = [];
  for (const t of tiles) {
    const key = `${t.level}/${t.index}`;
    const hit = cache?.get(key);
    if (hit) {
      cache!.delete(key); // most recently used goes last
      cache!.set(key, hit);
      found.set(key, hit);
    } else {
      missing.push(t);
    }
  }
  for (const [key, data] of await readTiles(db, missing)) {
    found.set(key, data);
    if (cache && data.length === FULL_TILE_BYTES) {
      cache.set(key, data);
      if (cache.size > CACHED_TILES) cache.delete(cache.keys().next().value!);
    }
  }
  return found;
}

/**
 * A HashAt over the stored tiles for a tree of `treeSize`: every tile the prover asks for
 * in one synchronous burst is fetched with a single query (full tiles from memory when cached).
 */
export function tileHashAt(db: Kysely<DB>, treeSize: number): HashAt {
  let pending: { tile: Tile; resolve: (d: Uint8Array) => void; reject: (e: unknown) => void }[] =
    [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const found = await readTilesCached(
        db,
        batch.map((p) => p.tile),
      );
      for (const p of batch) {
        const data = found.get(`${p.tile.level}/${p.tile.index}`);
        if (!data || data.length < p.tile.width * HASH) {
          p.reject(
            new Error(`tile ${p.tile.level}/${p.tile.index} (width ${p.tile.width}) is not stored`),
          );
        } else {
          p.resolve(data.subarray(0, p.tile.width * HASH));
        }
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  };
  return hashAtFromTiles({
    treeSize,
    readTile: (tile) =>
      new Promise<Uint8Array>((resolve, reject) => {
        if (pending.length === 0) queueMicrotask(flush);
        pending.push({ tile, resolve, reject });
      }),
  });
}

export function inclusionProof(db: Kysely<DB>, index: number, treeSize: number) {
  return proveInclusion({ index, treeSize, hashAt: tileHashAt(db, treeSize) });
}

export function consistencyProof(db: Kysely<DB>, oldSize: number, newSize: number) {
  return proveConsistency({ oldSize, newSize, hashAt: tileHashAt(db, newSize) });
}

/** Stored nodes of tile level `level` (tree level 8·level) completed by an append. */
export interface TileWrite {
  level: number;
  index: number;
  /** Position of the first new hash in the tile (the tile's width before this append). */
  start: number;
  hashes: Uint8Array[];
}

/** Groups the nodes an append completed into per-tile writes. Nodes arrive in order. */
export function groupTileWrites(
  nodes: { level: number; index: number; hash: Uint8Array }[],
): TileWrite[] {
  const writes = new Map<string, TileWrite>();
  for (const n of nodes) {
    const level = n.level / 8;
    const tileIndex = Math.floor(n.index / TILE_WIDTH);
    const key = `${level}/${tileIndex}`;
    let w = writes.get(key);
    if (!w) {
      w = { level, index: tileIndex, start: n.index % TILE_WIDTH, hashes: [] };
      writes.set(key, w);
    }
    w.hashes.push(n.hash);
  }
  return [...writes.values()];
}

/** A tile that did not hold exactly the hashes before `start` when an append wanted to grow it. */
export interface TileMismatch {
  level: number;
  index: number;
  /** Hashes it holds (0 when it is not stored). */
  width: number;
  expected: number;
}

/**
 * Grows each tile by exactly its new hashes, in ONE statement and without reading the tiles
 * back: a write starting at 0 inserts the tile, any other appends to it in SQL
 * (`data || new`) only where the stored tile holds exactly `start` hashes. Returns the tiles
 * that did not match (none, unless the stored log is not the one the caller extended; the
 * caller must then roll back). `alongside`, if given, is more `name as (…)` CTEs that run in
 * the same statement (the sequencer stores its checkpoint and tree head this way: one round
 * trip less per batch).
 */
export async function appendTiles(
  db: Kysely<DB>,
  writes: TileWrite[],
  alongside?: RawBuilder<unknown>,
): Promise<TileMismatch[]> {
  const concat = (w: TileWrite) => {
    const data = new Uint8Array(w.hashes.length * HASH);
    for (const [i, h] of w.hashes.entries()) data.set(h, i * HASH);
    return data;
  };
  const fresh = writes.filter((w) => w.start === 0);
  const grow = writes.filter((w) => w.start > 0);
  const parts: RawBuilder<unknown>[] = [];
  const done: RawBuilder<unknown>[] = [];
  if (fresh.length > 0) {
    parts.push(sql`inserted as (
      insert into ledger_tiles (level, idx, data)
      values ${sql.join(fresh.map((w) => sql`(${w.level}::smallint, ${String(w.index)}::bigint, ${concat(w)}::bytea)`))}
      on conflict (level, idx) do nothing
      returning level, idx)`);
    done.push(sql`select level, idx from inserted`);
  }
  if (grow.length > 0) {
    parts.push(sql`grown as (
      update ledger_tiles t set data = t.data || v.data
      from (values ${sql.join(grow.map((w) => sql`(${w.level}::smallint, ${String(w.index)}::bigint, ${w.start}::int, ${concat(w)}::bytea)`))})
        as v(level, idx, start, data)
      where t.level = v.level and t.idx = v.idx and length(t.data) = v.start * ${HASH}
      returning t.level, t.idx)`);
    done.push(sql`select level, idx from grown`);
  }
  if (alongside) parts.push(alongside);
  if (done.length === 0) done.push(sql`select 0::smallint as level, 0::bigint as idx where false`);
  const query =
    parts.length > 0
      ? sql<{
          level: number;
          idx: string;
        }>`with ${sql.join(parts)} ${sql.join(done, sql` union all `)}`
      : sql<{ level: number; idx: string }>`${sql.join(done, sql` union all `)}`;
  const { rows } = await query.execute(db);
  if (rows.length === writes.length) return [];
  // Rare path (the transaction is about to roll back): say which tiles and how wide they are.
  const written = new Set(rows.map((r) => `${r.level}/${r.idx}`));
  const missed = writes.filter((w) => !written.has(`${w.level}/${w.index}`));
  const stored = await readTiles(db, missed);
  return missed.map((w) => ({
    level: w.level,
    index: w.index,
    width: (stored.get(`${w.level}/${w.index}`)?.length ?? 0) / HASH,
    expected: w.start,
  }));
}
