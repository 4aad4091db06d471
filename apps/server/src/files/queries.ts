import type { Kysely } from 'kysely';
import type { DB, MediaType } from '../db/schema.js';
import type { StoredFile } from './file-store.js';

/**
 * Who may cite an uploaded file: the charity whose member uploaded it (evidence, a cover), or
 * the acknowledgement whose photo it is. The bytes are shared between owners; the right to cite
 * them is not (migration 2026-12-08-11-file-owners).
 */
export type FileOwner = { orgId: string; uploadedBy: string } | { disbursementId: string };

/** Records a stored file and its owner; recording either again changes nothing. */
export async function recordUpload(db: Kysely<DB>, file: StoredFile, owner: FileOwner) {
  await db
    .insertInto('files')
    .values({
      sha256: file.sha256,
      media_type: file.mediaType,
      size: file.size,
      uploaded_by: 'uploadedBy' in owner ? owner.uploadedBy : null,
    })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  await db
    .insertInto('file_owners')
    .values(
      'orgId' in owner
        ? { sha256: file.sha256, org_id: owner.orgId, uploaded_by: owner.uploadedBy }
        : { sha256: file.sha256, disbursement_id: owner.disbursementId },
    )
    // Either partial unique index (one row per owner and file): the owner already has it.
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * The media type of each of `sha256s` that `owner` uploaded; a hash it did not upload (or
 * that names no file) is absent from the map.
 */
export async function ownedFiles(
  db: Kysely<DB>,
  owner: { orgId: string } | { disbursementId: string },
  sha256s: readonly string[],
): Promise<Map<string, MediaType>> {
  if (sha256s.length === 0) return new Map();
  const rows = await db
    .selectFrom('file_owners as o')
    .innerJoin('files as f', 'f.sha256', 'o.sha256')
    .select(['f.sha256', 'f.media_type'])
    .where(
      'orgId' in owner
        ? (eb) => eb('o.org_id', '=', owner.orgId)
        : (eb) => eb('o.disbursement_id', '=', owner.disbursementId),
    )
    .where('o.sha256', 'in', sha256s)
    .execute();
  return new Map(rows.map((r) => [r.sha256, r.media_type]));
}

/**
 * Every stored file's type and size, as a sub-query for a reader to join on `sha256` (a list
 * of evidence with its files stays one statement).
 */
export const storedFiles = (db: Kysely<DB>) =>
  db.selectFrom('files').select(['sha256', 'media_type', 'size']);

/** A stored file's type and size, or undefined when no upload recorded it. */
export async function findFile(db: Kysely<DB>, sha256: string) {
  return db
    .selectFrom('files')
    .select(['media_type', 'size'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}
