import {
  type HashAt,
  hashAtFromTiles,
  proveConsistency,
  proveInclusion,
  TILE_WIDTH,
  type Tile,
} from '@goodtrace/ledger';
import { type Kysely, sql } from 'kysely';
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
 * A HashAt over the stored tiles for a tree of `treeSize`: every tile the prover asks for
 * in one synchronous burst is fetched with a single query.
 */
export function tileHashAt(db: Kysely<DB>, treeSize: number): HashAt {
  let pending: { tile: Tile; resolve: (d: Uint8Array) => void; reject: (e: unknown) => void }[] =
    [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const found = await readTiles(
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
