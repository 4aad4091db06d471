import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// Each hash tile also keeps the nodes four levels above its base ("mid" nodes: one per 16
// base hashes), so a proof hashes at most 8 stored hashes per node instead of up to 128
// (docs/ledger.md, docs/PERFORMANCE.md). Frozen: add a new migration to change this.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_tiles add column mid bytea not null default ''::bytea`.execute(db);
  // Logs written before this migration: their tiles' mid nodes, computed from the tiles, a
  // thousand tiles per statement.
  const tiles = await db.selectFrom('ledger_tiles').select(['level', 'idx', 'data']).execute();
  const updates = [];
  for (const t of tiles as { level: number; idx: string; data: Uint8Array }[]) {
    const data = new Uint8Array(t.data);
    const mids = Math.floor(data.length / 32 / 16);
    if (mids === 0) continue;
    const mid = new Uint8Array(mids * 32);
    for (let m = 0; m < mids; m++) mid.set(subtreeRoot(data, m * 16, 16), m * 32);
    updates.push(sql`(${t.level}::smallint, ${t.idx}::bigint, ${mid}::bytea)`);
  }
  for (let i = 0; i < updates.length; i += 1000) {
    await sql`update ledger_tiles t set mid = v.mid
      from (values ${sql.join(updates.slice(i, i + 1000))}) as v(level, idx, mid)
      where t.level = v.level and t.idx = v.idx`.execute(db);
  }
  await sql`alter table ledger_tiles add constraint ledger_tiles_mid_width
    check (length(mid) = (length(data) / 512) * 32)`.execute(db);
}

/**
 * RFC 9162 root of `count` (a power of two) hashes of `data` from `start`: SHA-256(0x01 ‖ l ‖ r)
 * up the levels. Written out here, not imported: a migration is frozen, and runs before any
 * module of the app is set up.
 */
function subtreeRoot(data: Uint8Array, start: number, count: number): Uint8Array {
  let level: Uint8Array[] = [];
  for (let i = start; i < start + count; i++) level.push(data.subarray(i * 32, i * 32 + 32));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(
        createHash('sha256')
          .update(new Uint8Array([1]))
          .update(level[i]!)
          .update(level[i + 1]!)
          .digest(),
      );
    }
    level = next;
  }
  return level[0]!;
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ledger_tiles drop column mid`.execute(db);
}
