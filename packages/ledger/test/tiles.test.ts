import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  encodeTile,
  hashAtFromTiles,
  hashLeaf,
  newTiles,
  proveInclusion,
  rootHash,
  type Tile,
  tileForNode,
  tilePath,
  tilesForSize,
  verifyInclusion,
} from '../src/index.js';

/** Builds every tile a log of `size` leaves publishes, from CompactRange's node visitor. */
function tilesOf(size: number) {
  const leaves = Array.from({ length: size }, (_, i) =>
    hashLeaf(new TextEncoder().encode(`entry ${i}`)),
  );
  const byLevel = new Map<number, Uint8Array[]>();
  new CompactRange().append(leaves, (level, index, hash) => {
    if (level % 8 !== 0) return;
    const list = byLevel.get(level / 8) ?? [];
    list[index] = hash;
    byLevel.set(level / 8, list);
  });
  const tiles = new Map<string, Uint8Array>();
  for (const tile of tilesForSize(size)) {
    const hashes = byLevel.get(tile.level)!.slice(tile.index * 256, tile.index * 256 + tile.width);
    tiles.set(tilePath(tile), encodeTile(hashes));
  }
  return { leaves, tiles };
}

describe('tile helpers', () => {
  it('tileForNode finds a stored hash or the run of hashes whose root is the node', () => {
    expect(tileForNode({ level: 0, index: 300, treeSize: 1000 })).toEqual({
      tile: { level: 0, index: 1, width: 256 },
      start: 44,
      count: 1,
    });
    expect(tileForNode({ level: 3, index: 100, treeSize: 1000 })).toEqual({
      tile: { level: 0, index: 3, width: 232 },
      start: 32,
      count: 8,
    });
    expect(tileForNode({ level: 8, index: 2, treeSize: 70_000 })).toEqual({
      tile: { level: 1, index: 0, width: 256 },
      start: 2,
      count: 1,
    });
    expect(() => tileForNode({ level: 3, index: 125, treeSize: 1000 })).toThrow(
      expect.objectContaining({ code: 'index_out_of_range' }),
    );
  });

  it('newTiles lists what a batch append must write: completed tiles and new partial tiles', () => {
    expect(newTiles({ oldSize: 250, newSize: 520 }).map((t) => tilePath(t))).toEqual([
      'tile/0/000',
      'tile/0/001',
      'tile/0/002.p/8',
      'tile/1/000.p/2',
    ]);
    expect(newTiles({ oldSize: 5, newSize: 5 })).toEqual([]);
  });

  it('proofs served from tiles, read asynchronously, verify against the root (70,000 leaves)', async () => {
    const size = 70_000;
    const { leaves, tiles } = tilesOf(size);
    const root = rootHash(leaves);
    const reads: string[] = [];
    const readTile = async (tile: Tile) => {
      reads.push(tilePath(tile));
      return tiles.get(tilePath(tile))!;
    };
    for (const index of [0, 255, 256, 65_535, 65_536, 69_999]) {
      reads.length = 0;
      const hashAt = hashAtFromTiles({ treeSize: size, readTile });
      const proof = await proveInclusion({ index, treeSize: size, hashAt });
      verifyInclusion({ leafHash: leaves[index]!, index, treeSize: size, proof, rootHash: root });
      expect(new Set(reads).size).toBe(reads.length); // each tile read once per proof
      expect(reads.length).toBeLessThanOrEqual(6);
    }
  });

  it('a tile that is too short for the node asked of it is rejected', () => {
    const hashAt = hashAtFromTiles({ treeSize: 10, readTile: () => new Uint8Array(32 * 3) });
    expect(() => proveInclusion({ index: 0, treeSize: 10, hashAt })).toThrow(
      expect.objectContaining({ code: 'malformed_tile' }),
    );
  });
});
