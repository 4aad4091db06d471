// The log half of the audit: every entry bundle and hash tile fetched (C2SP tlog-tiles), the
// tree rebuilt from the entries and compared with each served tile and with the checkpoint's
// root, and each entry handed to the replay in log order, streaming (a million events never
// sit in memory at once).

import {
  type Checkpoint,
  CompactRange,
  decodeEntryBundle,
  encodeBase64,
  encodeEvent,
  hashAtFromTiles,
  hashLeaf,
  type LedgerEvent,
  newTiles,
  proveConsistency,
  TILE_WIDTH,
  type Tile,
  tilePath,
  verifyConsistency,
} from '@goodtrace/ledger';
import type { Fetcher } from './fetcher.js';
import type { Findings } from './findings.js';
import type { Progress } from './progress.js';
import type { StateFolder } from './state.js';

const HASH = 32;

export interface PreviousRun {
  size: number;
  root: Uint8Array;
  verifiedAt: string | null;
}

export interface LogAuditInput {
  fetcher: Fetcher;
  state: StateFolder;
  checkpoint: Checkpoint;
  previous: PreviousRun | null;
  /** Bundles fetched ahead of the one being verified. */
  window: number;
  findings: Findings;
  progress: (total: number) => Progress;
  /** Each entry's event, in log order (null when the entry is not JSON). */
  onEvent: (index: number, event: LedgerEvent) => void;
}

export interface LogAuditResult {
  /** The tree rebuilt from the entries has the checkpoint's root (and extends the previous one). */
  verified: boolean;
  entries: number;
  bundlesFetched: number;
  bundlesCached: number;
  tilesFetched: number;
  /** Milliseconds: waiting for the network, hashing and comparing, parsing and replaying. */
  fetchMs: number;
  verifyMs: number;
  replayMs: number;
  /** The last partial bundle, to keep for the next run. */
  partial: Uint8Array | null;
}

interface Fetched {
  n: number;
  bytes: Uint8Array | null;
  cached: boolean;
  /** The level-0 hash tile of the same N, when this run checks it. */
  tile: Uint8Array | null;
  error?: string;
}

function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number) {
  for (let i = 0; i < length; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

export async function auditLog(input: LogAuditInput): Promise<LogAuditResult> {
  const { fetcher, state, checkpoint, previous, findings } = input;
  const size = checkpoint.size;
  const oldSize = previous?.size ?? 0;
  const full = Math.floor(size / TILE_WIDTH);
  const lastWidth = size % TILE_WIDTH;
  const total = full + (lastWidth > 0 ? 1 : 0);
  // A first (or resumed) run checks every tile; a later one the tiles the new entries touch.
  const checked = newTiles({ oldSize: previous ? oldSize : 0, newSize: size });
  const firstChecked0 = previous ? Math.floor(oldSize / TILE_WIDTH) : 0;
  const result: LogAuditResult = {
    verified: false,
    entries: 0,
    bundlesFetched: 0,
    bundlesCached: 0,
    tilesFetched: 0,
    fetchMs: 0,
    verifyMs: 0,
    replayMs: 0,
    partial: null,
  };

  const tileBytes = async (t: Tile): Promise<Uint8Array | null> => {
    result.tilesFetched++;
    return fetcher.bytesOf(`log/${tilePath(t)}`);
  };

  // The hash tiles above level 0: few (a million entries have 17), fetched first.
  const upper = new Map<string, Uint8Array>();
  await Promise.all(
    checked
      .filter((t) => t.level > 0)
      .map(async (t) => {
        const data = await tileBytes(t);
        if (data === null || data.length !== t.width * HASH) {
          findings.add({
            kind: 'log',
            code: 'tile_missing',
            message: `hash tile ${tilePath(t)} is ${data === null ? 'not served' : `${data.length} bytes, not ${t.width * HASH}`}`,
          });
        } else upper.set(`${t.level}/${t.index}`, data);
      }),
  );

  const oldPartial = previous && oldSize % TILE_WIDTH !== 0 ? await state.readPartial() : null;

  const fetchOne = async (n: number): Promise<Fetched> => {
    const width = n < full ? TILE_WIDTH : lastWidth;
    const wantTile = n >= firstChecked0;
    try {
      const cached = n < full ? await state.readBundle(n) : null;
      const [bytes, tile] = await Promise.all([
        cached ?? fetcher.bytesOf(`log/${tilePath({ level: -1, index: n, width })}`),
        wantTile ? tileBytes({ level: 0, index: n, width }) : null,
      ]);
      return { n, bytes, cached: cached !== null, tile };
    } catch (e) {
      return { n, bytes: null, cached: false, tile: null, error: (e as Error).message };
    }
  };

  const range = new CompactRange();
  let tile0: Uint8Array | null = null;
  let broken = false;
  const visit = (level: number, index: number, hash: Uint8Array) => {
    if (level % 8 !== 0) return;
    const l = level / 8;
    const n = Math.floor(index / TILE_WIDTH);
    const at = (index % TILE_WIDTH) * HASH;
    const data = l === 0 ? tile0 : upper.get(`${l}/${n}`);
    if (!data || data.length < at + HASH || sameBytes(data, at, hash, 0, HASH)) return;
    findings.add(
      l === 0
        ? {
            kind: 'log',
            code: 'entry_mismatch',
            index,
            message: `entry ${index} served in bundle ${n} hashes to ${encodeBase64(hash)}, but the log's tile says ${encodeBase64(data.subarray(at, at + HASH))}`,
          }
        : {
            kind: 'log',
            code: 'tile_mismatch',
            message: `hash ${index % TILE_WIDTH} of tile ${tilePath({ level: l, index: n, width: data.length / HASH })} differs from the tree rebuilt from the entries`,
          },
    );
  };

  const decoder = new TextDecoder();
  const progress = input.progress(total);
  const writes: Promise<void>[] = [];
  const tasks: Promise<Fetched>[] = [];
  let launched = 0;
  for (let n = 0; n < total; n++) {
    while (launched < total && launched < n + input.window) tasks[launched] = fetchOne(launched++);
    const waitStart = performance.now();
    const f = await tasks[n]!;
    delete tasks[n];
    result.fetchMs += performance.now() - waitStart;
    if (f.cached) result.bundlesCached++;
    else if (f.bytes) result.bundlesFetched++;
    if (f.error) {
      findings.add({ kind: 'log', code: 'fetch_failed', message: f.error });
      broken = true;
      break;
    }
    const first = n * TILE_WIDTH;
    const width = n < full ? TILE_WIDTH : lastWidth;
    const before = findings.count;
    tile0 = f.tile;
    if (f.tile !== null && f.tile.length !== width * HASH) {
      findings.add({
        kind: 'log',
        code: 'tile_missing',
        message: `hash tile ${tilePath({ level: 0, index: n, width })} is ${f.tile.length} bytes`,
      });
      tile0 = null;
    } else if (f.tile === null && n >= firstChecked0) {
      findings.add({
        kind: 'log',
        code: 'tile_missing',
        message: `hash tile ${tilePath({ level: 0, index: n, width })} is not served`,
      });
    }
    // Leaves: from the bundle, or, for entries it cannot give, from the API's entry list.
    const leaves = f.bytes ? bundleLeaves(f.bytes, width) : null;
    if (f.bytes && !leaves) {
      findings.add({
        kind: 'log',
        code: 'malformed_bundle',
        message: `entry bundle ${tilePath({ level: -1, index: n, width })} does not hold ${width} entries`,
      });
    }
    const entries = leaves ?? (await entriesFromApi(fetcher, first, width));
    if (!leaves) {
      for (let i = 0; i < width; i++) {
        if (entries[i] !== null) continue;
        findings.add({
          kind: 'log',
          code: 'entry_missing',
          index: first + i,
          message: `entry ${first + i} is not served: bundle ${tilePath({ level: -1, index: n, width })} is ${f.bytes ? 'malformed' : 'missing'} and /api/log/entries skips it`,
        });
      }
    }
    if (oldPartial && n === Math.floor(oldSize / TILE_WIDTH)) {
      comparePartial(oldPartial, entries, first, findings);
    }

    const verifyStart = performance.now();
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < width; i++) {
      const e = entries[i];
      if (e) hashes.push(hashLeaf(e));
      else if (tile0) hashes.push(tile0.subarray(i * HASH, (i + 1) * HASH));
      else {
        broken = true;
        break;
      }
    }
    if (broken) {
      findings.add({
        kind: 'log',
        code: 'tree_incomplete',
        index: first + hashes.length,
        message: `the tree cannot be rebuilt past entry ${first + hashes.length - 1}: an entry and its tile hash are both missing`,
      });
      break;
    }
    if (previous && first < oldSize && first + width > oldSize) {
      // The old tree ends inside this bundle: its root must be the one verified last time.
      range.append(hashes.slice(0, oldSize - first), visit);
      checkOldRoot(range, previous, findings);
      range.append(hashes.slice(oldSize - first), visit);
    } else {
      range.append(hashes, visit);
      if (previous && range.size === oldSize) checkOldRoot(range, previous, findings);
    }
    result.verifyMs += performance.now() - verifyStart;

    const replayStart = performance.now();
    for (let i = 0; i < width; i++) {
      const e = entries[i];
      if (!e) continue;
      let event: LedgerEvent;
      try {
        event = JSON.parse(decoder.decode(e)) as LedgerEvent;
      } catch {
        findings.add({
          kind: 'log',
          code: 'malformed_entry',
          index: first + i,
          message: `entry ${first + i} is not JSON`,
        });
        continue;
      }
      input.onEvent(first + i, event);
    }
    result.entries += width;
    result.replayMs += performance.now() - replayStart;

    if (f.bytes && !f.cached && leaves && findings.count === before) {
      if (width === TILE_WIDTH) writes.push(state.writeBundle(n, f.bytes));
      else result.partial = f.bytes;
    }
    progress.tick(n + 1, result.entries);
  }
  progress.done(result.entries);
  await Promise.all(writes);

  if (!broken) {
    const root = range.root();
    const rootMatches = sameBytes(root, 0, checkpoint.rootHash, 0, HASH);
    if (!rootMatches) {
      findings.add({
        kind: 'log',
        code: 'root_mismatch',
        message: `the ${size} entries served hash to the root ${encodeBase64(root)}, but the checkpoint signs ${encodeBase64(checkpoint.rootHash)}`,
      });
      if (previous && !findings.has('history_rewritten')) {
        await proveExtends(fetcher, checkpoint, previous, findings);
      }
    }
    result.verified = rootMatches && findings.count === 0;
  }
  return result;
}

/** A bundle's entries (packages/ledger's decoding), or null when it is not `width` well-formed entries. */
function bundleLeaves(bundle: Uint8Array, width?: number): Uint8Array[] | null {
  try {
    return decodeEntryBundle(bundle, width);
  } catch {
    return null;
  }
}

/**
 * The entries of [first, first + width) from the JSON API, for a bundle the log does not serve:
 * each re-encoded canonically (the leaf is the canonical JSON), null where the API has none.
 */
async function entriesFromApi(
  fetcher: Fetcher,
  first: number,
  width: number,
): Promise<(Uint8Array | null)[]> {
  const out: (Uint8Array | null)[] = new Array(width).fill(null);
  try {
    const page = await fetcher.jsonOf<{ items?: { index: number; event: LedgerEvent }[] }>(
      `api/log/entries?from=${first}&limit=${width}`,
    );
    for (const item of page?.items ?? []) {
      const i = item.index - first;
      if (i >= 0 && i < width) out[i] = encodeEvent(item.event);
    }
  } catch {
    // Nothing to add: every entry of the bundle is reported missing.
  }
  return out;
}

function checkOldRoot(range: CompactRange, previous: PreviousRun, findings: Findings) {
  const root = range.root();
  if (sameBytes(root, 0, previous.root, 0, HASH)) return;
  findings.add({
    kind: 'log',
    code: 'history_rewritten',
    message: `the log's first ${previous.size} entries now hash to ${encodeBase64(root)}, not to the root ${encodeBase64(previous.root)} verified ${previous.verifiedAt ?? 'before'}: history was rewritten`,
  });
}

/** Compares the start of a bundle with the partial bundle kept from the last run. */
function comparePartial(
  old: Uint8Array,
  entries: (Uint8Array | null)[],
  first: number,
  findings: Findings,
) {
  const kept = bundleLeaves(old) ?? [];
  const changed: number[] = [];
  for (const [i, e] of kept.entries()) {
    const now = entries[i];
    if (!e || !now) continue;
    if (e.length !== now.length || !sameBytes(e, 0, now, 0, e.length)) changed.push(first + i);
  }
  if (changed.length === 0) return;
  findings.add({
    kind: 'log',
    code: 'history_rewritten',
    index: changed[0]!,
    message: `entry ${changed[0]}${changed.length > 1 ? ` and ${changed.length - 1} later one(s)` : ''} differ from the entries verified in the last audit: history was rewritten`,
  });
}

/**
 * When the entries do not lead to the checkpoint's root: can the log at least prove, from its
 * own tiles, that the new checkpoint extends the one verified before? If not, the history the
 * auditor saw was rewritten.
 */
async function proveExtends(
  fetcher: Fetcher,
  checkpoint: Checkpoint,
  previous: PreviousRun,
  findings: Findings,
) {
  try {
    const hashAt = hashAtFromTiles({
      treeSize: checkpoint.size,
      readTile: async (t) => {
        const data = await fetcher.bytesOf(`log/${tilePath(t)}`);
        if (!data) throw new Error(`${tilePath(t)} is not served`);
        return data;
      },
    });
    const proof = await proveConsistency({
      oldSize: previous.size,
      newSize: checkpoint.size,
      hashAt,
    });
    verifyConsistency({
      oldSize: previous.size,
      newSize: checkpoint.size,
      proof,
      oldRoot: previous.root,
      newRoot: checkpoint.rootHash,
    });
  } catch (e) {
    findings.add({
      kind: 'log',
      code: 'history_rewritten',
      message: `checkpoint ${checkpoint.size} is not consistent with checkpoint ${previous.size} (root ${encodeBase64(previous.root)}) verified ${previous.verifiedAt ?? 'before'}: ${(e as Error).message}`,
    });
  }
}
