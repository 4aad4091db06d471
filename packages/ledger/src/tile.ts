// Tiles: C2SP tlog-tiles (v0.1.0 / HEAD) paths, tile contents and entry bundles, plus the helpers a
// tiled log server needs. Go's sumdb layout (golang.org/x/mod/sumdb/tlog tile.go) is supported for
// paths and for the list of tiles to publish, since it is the same scheme with a variable height.
//
//   tile/<L>/<N>[.p/<W>]        level L (0–63) hash tile number N, W hashes if partial (1–255)
//   tile/entries/<N>[.p/<W>]    entry bundle N (we use level −1 for it, as Go does for "data")
//   N = 3-digit groups, most significant first, all but the last prefixed "x": 1234067 → x001/x234/067
//
// A full tile holds 256 hashes (8192 bytes). Hash i of tile N at level L is the RFC 9162 root of
// leaves [(N·256 + i)·256^L, (N·256 + i + 1)·256^L), i.e. the node at RFC level 8L, index N·256 + i.
// A partial tile at level L for tree size s has floor(s / 256^L) mod 256 hashes. An entry bundle is
// a sequence of uint16 big-endian length ‖ entry bytes; entry i hashes to hash i of level-0 tile N.

import { checkBytes, checkObject, checkSize, copyBytes, HASH_SIZE, isBytes } from './bytes.js';
import { guard, LedgerError, toLedgerError } from './errors.js';
import { type HashAt, type NodeId, nodeHash } from './merkle.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Level number used for entry bundles ("tile/entries/…"), as Go uses −1 for "data" tiles. */
export const ENTRIES_LEVEL = -1;

/** A tile: level (−1 = entry bundle), index N, and width W (number of hashes or entries, 1–256). */
export interface Tile {
  level: number;
  index: number;
  width: number;
}

function checkLevel(level: unknown): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < -1 || level > 63) {
    throw new LedgerError('malformed_tile', 'tile level must be an integer in [-1, 63]');
  }
  return level;
}

/** The x-prefixed 3-digit-group encoding of a tile index: 1234067 → "x001/x234/067". */
export function encodeTileIndex(index: number): string {
  checkSize(index, 'tile index');
  let n = index;
  let s = String(n % 1000).padStart(3, '0');
  n = Math.floor(n / 1000);
  while (n > 0) {
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
    n = Math.floor(n / 1000);
  }
  return s;
}

/**
 * The path of a tile: C2SP tlog-tiles `tile/<L>/<N>[.p/<W>]` (or `tile/entries/…` for level −1).
 * `width` defaults to a full tile (256). With `height`, the Go sumdb layout `tile/<H>/<L>/<N>[.p/<W>]`
 * (`data` for level −1), where a full tile has 2^height hashes.
 */
export function tilePath(args: {
  level: number;
  index: number;
  width?: number;
  height?: number;
}): string {
  return guard('malformed_tile', () => {
    checkObject(args, 'arguments');
    const level = checkLevel(args.level);
    const index = encodeTileIndex(args.index);
    const height = args.height;
    if (height !== undefined && (!Number.isInteger(height) || height < 1 || height > 30)) {
      throw new LedgerError('malformed_tile', 'height must be an integer in [1, 30]');
    }
    const full = height === undefined ? TILE_WIDTH : 2 ** height;
    const width = args.width ?? full;
    if (!Number.isInteger(width) || width < 1 || width > full) {
      throw new LedgerError('malformed_tile', `tile width must be an integer in [1, ${full}]`);
    }
    const suffix = width === full ? '' : `.p/${width}`;
    if (height === undefined) {
      return `tile/${level === ENTRIES_LEVEL ? 'entries' : level}/${index}${suffix}`;
    }
    return `tile/${height}/${level === ENTRIES_LEVEL ? 'data' : level}/${index}${suffix}`;
  });
}

const PATH =
  /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a C2SP tile path back to { level, index, width }. Strict: one canonical path per tile
 * (no leading "x000/" group, no leading zeros in L or W, W < 256). Indexes beyond 2^53 − 1 are
 * rejected (`malformed_tile`): no tree this package handles has such a tile.
 */
export function parseTilePath(path: string): Tile {
  return guard('malformed_tile', () => {
    if (typeof path !== 'string')
      throw new LedgerError('malformed_tile', 'tile path must be a string');
    const m = PATH.exec(path);
    if (m === null)
      throw new LedgerError('malformed_tile', `not a tile path: ${path.slice(0, 100)}`);
    const level = m[1] === 'entries' ? ENTRIES_LEVEL : Number(m[1]);
    if (level > 63) throw new LedgerError('malformed_tile', 'tile level must be at most 63');
    const groups = m[2] === '' ? [] : m[2]!.slice(0, -1).split('/');
    if (groups[0] === 'x000')
      throw new LedgerError('malformed_tile', 'non-canonical tile index (leading x000)');
    let index = 0;
    for (const g of groups) index = index * 1000 + Number(g.slice(1));
    index = index * 1000 + Number(m[3]);
    if (!Number.isSafeInteger(index))
      throw new LedgerError('malformed_tile', 'tile index exceeds 2^53 - 1');
    const width = m[4] === undefined ? TILE_WIDTH : Number(m[4]);
    if (m[4] !== undefined && width >= TILE_WIDTH)
      throw new LedgerError('malformed_tile', 'partial tile width must be below 256');
    return { level, index, width };
  });
}

/**
 * The tiles that change when a tree grows from `oldSize` to `newSize` leaves: every tile completed
 * and the new partial tile at each level (Go sumdb/tlog NewTiles). Height 8 (C2SP) by default.
 */
export function newTiles(args: { oldSize: number; newSize: number; height?: number }): Tile[] {
  return guard('malformed_tile', () => {
    checkObject(args, 'arguments');
    const oldSize = checkSize(args.oldSize, 'oldSize');
    const newSize = checkSize(args.newSize, 'newSize');
    if (oldSize > newSize)
      throw new LedgerError('invalid_size', `oldSize ${oldSize} > newSize ${newSize}`);
    const height = args.height ?? TILE_HEIGHT;
    if (!Number.isInteger(height) || height < 1 || height > 30) {
      throw new LedgerError('malformed_tile', 'height must be an integer in [1, 30]');
    }
    const full = 2 ** height;
    const tiles: Tile[] = [];
    for (let level = 0; Math.floor(newSize / 2 ** (height * level)) > 0; level++) {
      const oldN = Math.floor(oldSize / 2 ** (height * level));
      const newN = Math.floor(newSize / 2 ** (height * level));
      if (oldN === newN) continue;
      for (let n = Math.floor(oldN / full); n < Math.floor(newN / full); n++) {
        tiles.push({ level, index: n, width: full });
      }
      const n = Math.floor(newN / full);
      const width = newN - n * full;
      if (width > 0) tiles.push({ level, index: n, width });
    }
    return tiles;
  });
}

/** Every hash tile of a tree of `treeSize` leaves, full and partial (C2SP tlog-tiles). */
export function tilesForSize(treeSize: number): Tile[] {
  return newTiles({ oldSize: 0, newSize: treeSize });
}

/** The entry bundle holding log entry `index` in a tree of `treeSize` leaves (partial if the tree ends in it). */
export function entryBundleForIndex(args: { index: number; treeSize: number }): Tile {
  return guard('malformed_tile', () => {
    checkObject(args, 'arguments');
    const index = checkSize(args.index, 'index');
    const treeSize = checkSize(args.treeSize, 'treeSize');
    if (index >= treeSize)
      throw new LedgerError('index_out_of_range', `index ${index} is not below ${treeSize}`);
    const n = Math.floor(index / TILE_WIDTH);
    return {
      level: ENTRIES_LEVEL,
      index: n,
      width: Math.min(TILE_WIDTH, treeSize - n * TILE_WIDTH),
    };
  });
}

/**
 * Where RFC 9162 node (level, index) lives in the tiles of a tree of `treeSize` leaves: the tile to
 * read (with the width that tree size implies) and the run of `count` hashes from `start` in it
 * whose perfect Merkle root is the node (count = 1 when the node is stored as is, i.e. when its
 * level is a multiple of 8). Go sumdb/tlog's tileForIndex, for height 8.
 */
export function tileForNode(args: { level: number; index: number; treeSize: number }): {
  tile: Tile;
  start: number;
  count: number;
} {
  return guard('malformed_tile', () => {
    checkObject(args, 'arguments');
    const level = checkSize(args.level, 'level');
    const index = checkSize(args.index, 'index');
    const treeSize = checkSize(args.treeSize, 'treeSize');
    if (level > 52 || (index + 1) * 2 ** level > treeSize) {
      throw new LedgerError(
        'index_out_of_range',
        `node (${level}, ${index}) is not complete in a tree of ${treeSize}`,
      );
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const count = 2 ** (level - tileLevel * TILE_HEIGHT);
    const first = index * count;
    const n = Math.floor(first / TILE_WIDTH);
    const hashesAtLevel = Math.floor(treeSize / TILE_WIDTH ** tileLevel);
    const width = Math.min(TILE_WIDTH, hashesAtLevel - n * TILE_WIDTH);
    return { tile: { level: tileLevel, index: n, width }, start: first - n * TILE_WIDTH, count };
  });
}

/** The perfect Merkle root of `count` (a power of two) consecutive hashes of tile data from `start`. */
export function hashFromTileData(data: Uint8Array, start: number, count: number): Uint8Array {
  return guard('malformed_tile', () => {
    checkBytes(data, 'tile data');
    if (data.length % HASH_SIZE !== 0 || data.length > TILE_WIDTH * HASH_SIZE) {
      throw new LedgerError('malformed_tile', 'tile data must be 1–256 hashes');
    }
    if ((start + count) * HASH_SIZE > data.length) {
      throw new LedgerError('malformed_tile', 'tile is too narrow for the requested node');
    }
    if (count === 1) return copyBytes(data, start * HASH_SIZE, (start + 1) * HASH_SIZE);
    let level: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      level.push(data.subarray((start + i) * HASH_SIZE, (start + i + 1) * HASH_SIZE));
    }
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
      level = next;
    }
    return level[0]!;
  });
}

/**
 * A HashAt (for proveInclusion / proveConsistency) that reads RFC 9162 nodes out of stored tiles,
 * for a tree of `treeSize` leaves. `readTile` gets the tile with the width that size implies and
 * returns its bytes (sync or async); it may return a wider tile (e.g. the full one). Each tile is
 * read at most once per HashAt, so make one per request.
 */
export function hashAtFromTiles(args: {
  treeSize: number;
  readTile: (tile: Tile) => Uint8Array | Promise<Uint8Array>;
}): HashAt {
  const { treeSize, readTile } = guard('invalid_argument', () => {
    checkObject(args, 'arguments');
    const read = args.readTile;
    if (typeof read !== 'function')
      throw new LedgerError('invalid_argument', 'readTile must be a function');
    return { treeSize: checkSize(args.treeSize, 'treeSize'), readTile: read };
  });
  const cache = new Map<string, Uint8Array | Promise<Uint8Array>>();
  return (node: NodeId) => {
    const { tile, start, count } = tileForNode({ level: node.level, index: node.index, treeSize });
    const key = `${tile.level}/${tile.index}`;
    let data = cache.get(key);
    if (data === undefined) {
      data = readTile({ ...tile });
      cache.set(key, data);
    }
    if (isBytes(data)) return hashFromTileData(data, start, count);
    return Promise.resolve(data).then(
      (bytes) => hashFromTileData(bytes, start, count),
      (e) => {
        throw toLedgerError(e, 'hash_store');
      },
    );
  };
}

/** Tile contents: the concatenation of its hashes. */
export function encodeTile(hashes: Uint8Array[]): Uint8Array {
  return guard('malformed_tile', () => {
    if (!Array.isArray(hashes) || hashes.length < 1 || hashes.length > TILE_WIDTH) {
      throw new LedgerError('malformed_tile', 'a tile holds 1–256 hashes');
    }
    const out = new Uint8Array(hashes.length * HASH_SIZE);
    hashes.forEach((h, i) => {
      if (!isBytes(h) || h.length !== HASH_SIZE)
        throw new LedgerError('invalid_hash', `hash ${i} is not 32 bytes`);
      out.set(h, i * HASH_SIZE);
    });
    return out;
  });
}

/** Splits tile bytes into hashes; with `width`, requires exactly that many. */
export function decodeTile(data: Uint8Array, width?: number): Uint8Array[] {
  return guard('malformed_tile', () => {
    checkBytes(data, 'tile data');
    if (
      data.length === 0 ||
      data.length % HASH_SIZE !== 0 ||
      data.length > TILE_WIDTH * HASH_SIZE
    ) {
      throw new LedgerError('malformed_tile', 'tile data must be 1–256 hashes');
    }
    const count = data.length / HASH_SIZE;
    if (width !== undefined && count !== width) {
      throw new LedgerError('malformed_tile', `tile has ${count} hashes, want ${width}`);
    }
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < count; i++)
      hashes.push(copyBytes(data, i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return hashes;
  });
}

/** An entry bundle: for each entry, uint16 big-endian length ‖ bytes (1–256 entries, ≤ 65535 bytes each). */
export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  return guard('malformed_tile', () => {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > TILE_WIDTH) {
      throw new LedgerError('malformed_tile', 'an entry bundle holds 1–256 entries');
    }
    let length = 0;
    for (const e of entries) {
      checkBytes(e, 'entry');
      if (e.length > 0xffff)
        throw new LedgerError('malformed_tile', 'an entry is at most 65535 bytes');
      length += 2 + e.length;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const e of entries) {
      out[at] = Math.floor(e.length / 256);
      out[at + 1] = e.length % 256;
      out.set(e, at + 2);
      at += 2 + e.length;
    }
    return out;
  });
}

/** Splits an entry bundle into its entries; with `width`, requires exactly that many. */
export function decodeEntryBundle(data: Uint8Array, width?: number): Uint8Array[] {
  return guard('malformed_tile', () => {
    checkBytes(data, 'bundle');
    const entries: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      if (at + 2 > data.length) throw new LedgerError('malformed_tile', 'truncated entry length');
      const length = data[at]! * 256 + data[at + 1]!;
      if (at + 2 + length > data.length) throw new LedgerError('malformed_tile', 'truncated entry');
      entries.push(copyBytes(data, at + 2, at + 2 + length));
      at += 2 + length;
      if (entries.length > TILE_WIDTH)
        throw new LedgerError('malformed_tile', 'more than 256 entries');
    }
    if (entries.length === 0) throw new LedgerError('malformed_tile', 'empty entry bundle');
    if (width !== undefined && entries.length !== width) {
      throw new LedgerError(
        'malformed_tile',
        `bundle has ${entries.length} entries, want ${width}`,
      );
    }
    return entries;
  });
}
