import {
  type HashAt,
  hashFromTileData,
  LedgerError,
  proveConsistency,
  proveInclusion,
  TILE_WIDTH,
  type Tile,
  tileForNode,
} from '@goodtrace/ledger';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { PREPARED } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

const HASH = 32;

/**
 * Each stored tile keeps, beside its 256 hashes (tree level 8·L, what C2SP tlog-tiles serves),
 * the 16 nodes four levels above them ("mid" nodes, one per MID_SPAN hashes). A proof needs,
 * per tile, one node of each height 0–7 above the tile's base; from the base hashes alone the
 * tallest costs 127 SHA-256 calls and a tile 247, which made a proof in a 1,000,000-entry log
 * ~2.6 ms of hashing. With the mid nodes no node costs more than 7 (docs/PERFORMANCE.md), for
 * 1/16 more hash storage, written by the sequencer with the tile.
 */
export const MID_SPAN = 16;

/** A stored tile as far as it has grown: its base hashes and the mid nodes they complete. */
export interface StoredTile {
  data: Uint8Array;
  mid: Uint8Array;
}

/** Stored hash tiles by (level, index), as far as they have grown. */
export async function readTiles(
  db: Kysely<DB>,
  tiles: { level: number; index: number }[],
): Promise<Map<string, StoredTile>> {
  const found = new Map<string, StoredTile>();
  if (tiles.length === 0) return found;
  // A prepared statement: the tiles as two arrays, so one text whatever their number.
  const { rows } = await sql<{
    level: number;
    idx: string;
    data: Uint8Array;
    mid: Uint8Array;
  }>`${PREPARED}
    select t.level, t.idx, t.data, t.mid
    from unnest(${tiles.map((t) => t.level)}::smallint[], ${tiles.map((t) => String(t.index))}::bigint[])
      as w(level, idx)
    join ledger_tiles t on t.level = w.level and t.idx = w.idx`.execute(db);
  for (const r of rows) {
    found.set(`${r.level}/${r.idx}`, { data: new Uint8Array(r.data), mid: new Uint8Array(r.mid) });
  }
  return found;
}

/**
 * Stored tiles only ever grow (the sequencer appends to them and checks that they are
 * contiguous), so a tile read once stays a true prefix of the tile forever: proofs keep the
 * most recently used tiles in memory, full or partial, and read a tile again only when a
 * proof needs more of it than the cached copy holds. One cache per database, built by the
 * LedgerService (`ledger.tiles`) and handed to every reader of proofs; never consulted inside
 * a transaction, whose writes may still roll back.
 */
export class TileCache {
  readonly #tiles = new Map<string, StoredTile>();

  /** At most this many tiles are kept (2,048: ≤ 17 MiB). */
  constructor(readonly capacity = 2048) {}

  /** The cached tile `key` if it holds at least `width` hashes, marked most recently used. */
  get(key: string, width: number): StoredTile | undefined {
    const hit = this.#tiles.get(key);
    if (!hit || hit.data.length < width * HASH) return undefined;
    this.#tiles.delete(key); // most recently used goes last
    this.#tiles.set(key, hit);
    return hit;
  }

  /** How many tiles are cached. */
  get size(): number {
    return this.#tiles.size;
  }

  put(key: string, tile: StoredTile): void {
    this.#tiles.delete(key);
    this.#tiles.set(key, tile);
    if (this.#tiles.size > this.capacity) this.#tiles.delete(this.#tiles.keys().next().value!);
  }
}

async function readTilesCached(
  db: Kysely<DB>,
  tiles: Tile[],
  cache: TileCache,
): Promise<Map<string, StoredTile>> {
  const cached = db.isTransaction ? undefined : cache;
  const found = new Map<string, StoredTile>();
  const missing: Tile[] = [];
  for (const t of tiles) {
    const key = `${t.level}/${t.index}`;
    const hit = cached?.get(key, t.width);
    if (hit) found.set(key, hit);
    else missing.push(t);
  }
  for (const [key, tile] of await readTiles(db, missing)) {
    found.set(key, tile);
    cached?.put(key, tile);
  }
  return found;
}

/** The node (start, count) of a tile's base level (count a power of two ≤ 128), from the tile. */
function nodeFromTile(tile: StoredTile, start: number, count: number): Uint8Array {
  if (count >= MID_SPAN) return hashFromTileData(tile.mid, start / MID_SPAN, count / MID_SPAN);
  return hashFromTileData(tile.data, start, count);
}

/**
 * A HashAt over the stored tiles for a tree of `treeSize`: every tile the prover asks for in
 * one synchronous burst is fetched with a single query (from `cache` when it holds it), and
 * each node is hashed from the tile's mid nodes where it can be. Each tile is read at most
 * once per HashAt, so make one per request.
 */
export function tileHashAt(db: Kysely<DB>, cache: TileCache, treeSize: number): HashAt {
  const tiles = new Map<string, Promise<StoredTile>>();
  let pending: { tile: Tile; resolve: (t: StoredTile) => void; reject: (e: unknown) => void }[] =
    [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const found = await readTilesCached(
        db,
        batch.map((p) => p.tile),
        cache,
      );
      for (const p of batch) {
        const stored = found.get(`${p.tile.level}/${p.tile.index}`);
        if (!stored || stored.data.length < p.tile.width * HASH) {
          p.reject(
            new LedgerError(
              'hash_store',
              `tile ${p.tile.level}/${p.tile.index} (width ${p.tile.width}) is not stored`,
            ),
          );
        } else {
          p.resolve(stored);
        }
      }
    } catch (err) {
      const failure =
        err instanceof LedgerError
          ? err
          : new LedgerError('hash_store', `could not read tiles: ${(err as Error).message}`, {
              cause: err,
            });
      for (const p of batch) p.reject(failure);
    }
  };
  return (node) => {
    const { tile, start, count } = tileForNode({ level: node.level, index: node.index, treeSize });
    const key = `${tile.level}/${tile.index}`;
    let stored = tiles.get(key);
    if (!stored) {
      stored = new Promise<StoredTile>((resolve, reject) => {
        if (pending.length === 0) queueMicrotask(flush);
        pending.push({ tile, resolve, reject });
      });
      tiles.set(key, stored);
    }
    return stored.then((t) => nodeFromTile(t, start, count));
  };
}

/** `hashAt` may be shared by proofs for the same tree size: their tiles are then read together. */
export function inclusionProof(
  db: Kysely<DB>,
  cache: TileCache,
  index: number,
  treeSize: number,
  hashAt: HashAt = tileHashAt(db, cache, treeSize),
) {
  return proveInclusion({ index, treeSize, hashAt });
}

export function consistencyProof(
  db: Kysely<DB>,
  cache: TileCache,
  oldSize: number,
  newSize: number,
) {
  return proveConsistency({ oldSize, newSize, hashAt: tileHashAt(db, cache, newSize) });
}

/** Stored nodes of tile level `level` (tree level 8·level) completed by an append. */
export interface TileWrite {
  level: number;
  index: number;
  /** Position of the first new hash in the tile (the tile's width before this append). */
  start: number;
  /** The new hashes, concatenated (32 bytes each). */
  data: Uint8Array;
  /** The tile's mid nodes (tree level 8·level + 4) this append completed, concatenated. */
  mid: Uint8Array;
}

/**
 * The tile writes of one append: `leaves.hashes`, the appended leaf hashes as one run (32 bytes
 * each) from leaf index `leaves.index` on, grow the level-0 tiles, each tile's part cut from the
 * run; `nodes`, the nodes of tree levels 8·L and 8·L + 4 above the leaves that the append
 * completed (CompactRange reports a node after the nodes below it, so in order), grow the tiles
 * of level L ≥ 1 and every tile's mid nodes. Each write's data is a buffer of its own.
 */
export function groupTileWrites(
  leaves: { index: number; hashes: Uint8Array },
  nodes: { level: number; index: number; hash: Uint8Array }[],
): TileWrite[] {
  const writes = new Map<
    string,
    { w: Omit<TileWrite, 'data' | 'mid'>; data: Uint8Array[]; mid: Uint8Array[] }
  >();
  const end = leaves.index + leaves.hashes.length / HASH;
  for (let at = leaves.index; at < end; ) {
    const tileIndex = Math.floor(at / TILE_WIDTH);
    const upTo = Math.min(end, (tileIndex + 1) * TILE_WIDTH);
    const run = leaves.hashes.subarray((at - leaves.index) * HASH, (upTo - leaves.index) * HASH);
    writes.set(`0/${tileIndex}`, {
      w: { level: 0, index: tileIndex, start: at % TILE_WIDTH },
      data: [run],
      mid: [],
    });
    at = upTo;
  }
  for (const n of nodes) {
    if (n.level === 0) throw new Error('a leaf given as a node: leaves come as one run');
    const level = Math.floor(n.level / 8);
    const isMid = n.level % 8 === 4;
    if (!isMid && n.level % 8 !== 0) continue;
    const tileIndex = Math.floor((isMid ? n.index * MID_SPAN : n.index) / TILE_WIDTH);
    const key = `${level}/${tileIndex}`;
    let w = writes.get(key);
    if (isMid) {
      // The base hash that completes a mid node comes before it, in the same append.
      if (!w) throw new Error(`mid node ${n.level}/${n.index} without its tile's hashes`);
      w.mid.push(n.hash);
      continue;
    }
    if (!w) {
      w = { w: { level, index: tileIndex, start: n.index % TILE_WIDTH }, data: [], mid: [] };
      writes.set(key, w);
    }
    w.data.push(n.hash);
  }
  return [...writes.values()].map(({ w, data, mid }) => ({
    ...w,
    data: concatBytes(data),
    mid: concatBytes(mid),
  }));
}

/**
 * The parts, one after the other, in a buffer of their own: not Buffer.concat, which puts small
 * results in its shared pool, and writes cross threads (tree-thread.ts), where cloning a view
 * copies all of the memory behind it.
 */
function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
 * (`data || new`) only where the stored tile holds exactly `start` hashes; its mid nodes grow
 * with it (`mid || new`; a CHECK on the table keeps the two widths in step). Returns the tiles
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
  const fresh = writes.filter((w) => w.start === 0);
  const grow = writes.filter((w) => w.start > 0);
  const parts: RawBuilder<unknown>[] = [];
  const done: RawBuilder<unknown>[] = [];
  if (fresh.length > 0) {
    parts.push(sql`inserted as (
      insert into ledger_tiles (level, idx, data, mid)
      values ${sql.join(fresh.map((w) => sql`(${w.level}::smallint, ${String(w.index)}::bigint, ${w.data}::bytea, ${w.mid}::bytea)`))}
      on conflict (level, idx) do nothing
      returning level, idx)`);
    done.push(sql`select level, idx from inserted`);
  }
  if (grow.length > 0) {
    parts.push(sql`grown as (
      update ledger_tiles t set data = t.data || v.data, mid = t.mid || v.mid
      from (values ${sql.join(grow.map((w) => sql`(${w.level}::smallint, ${String(w.index)}::bigint, ${w.start}::int, ${w.data}::bytea, ${w.mid}::bytea)`))})
        as v(level, idx, start, data, mid)
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
    width: (stored.get(`${w.level}/${w.index}`)?.data.length ?? 0) / HASH,
    expected: w.start,
  }));
}
