import type { AckDetails, Acknowledged } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { hashToken } from '../donations/donor-secret.js';
import { AppError } from '../errors.js';
import { ownedFiles } from '../files/queries.js';
import { fundsAcknowledgedEvent } from '../ledger/events.js';
import { fen } from '../projects/money.js';
import { logProjectEvents } from '../projects/project-log.js';
import { normalizeAckCode } from './ack-code.js';

function codeHash(code: string): string {
  const normal = normalizeAckCode(code);
  if (!normal) throw new AppError('invalid_token', 'This confirmation code is not valid.');
  return hashToken(normal);
}

/** What the beneficiary is asked to confirm: who paid what, for what, when. */
export async function findAcknowledgement(db: Kysely<DB>, code: string): Promise<AckDetails> {
  const row = await db
    .selectFrom('disbursements as d')
    .innerJoin('projects as p', 'p.id', 'd.project_id')
    .innerJoin('orgs as o', 'o.id', 'd.org_id')
    .innerJoin('beneficiaries as b', 'b.id', 'd.beneficiary_id')
    .select([
      'd.id',
      'd.amount',
      'd.currency',
      'd.purpose',
      'd.paid_on',
      'd.acknowledged_at',
      'p.title as project_title',
      'o.name as org_name',
      'b.name as payee_name',
      'b.kind as payee_kind',
    ])
    .where('d.ack_code_hash', '=', codeHash(code))
    .executeTakeFirst();
  if (!row) throw new AppError('invalid_token', 'This confirmation code is not valid.');
  return {
    disbursementId: row.id,
    amount: fen(row.amount),
    currency: row.currency,
    purpose: row.purpose,
    date: row.paid_on,
    projectTitle: row.project_title,
    orgName: row.org_name,
    payee: { name: row.payee_name, kind: row.payee_kind },
    acknowledgedAt: row.acknowledged_at ? row.acknowledged_at.toISOString() : null,
  };
}

/**
 * The beneficiary confirms they received the money, from the one-time code, without an
 * account: `funds.acknowledged` goes on the log with the optional photo's hash. A code works
 * once.
 */
export async function acknowledgeDisbursement(
  db: Kysely<DB>,
  code: string,
  input: { note?: string | null; photoSha256?: string | null },
  now: Date,
): Promise<Acknowledged> {
  const hash = codeHash(code);
  return db.transaction().execute(async (tx) => {
    const d = await tx
      .selectFrom('disbursements')
      .select(['id', 'project_id', 'org_id', 'acknowledged_at'])
      .where('ack_code_hash', '=', hash)
      .forUpdate()
      .executeTakeFirst();
    if (!d) throw new AppError('invalid_token', 'This confirmation code is not valid.');
    if (d.acknowledged_at) throw new AppError('already_acknowledged');
    const photo = input.photoSha256 ?? null;
    if (photo) {
      // The photo is one uploaded with this code, never some other stored file.
      const type = (await ownedFiles(tx, { disbursementId: d.id }, [photo])).get(photo);
      if (type !== 'image/jpeg' && type !== 'image/png') {
        throw new AppError(
          'invalid_evidence',
          'The photo must be a JPEG or PNG image uploaded with this confirmation code.',
        );
      }
    }
    const [outboxId] = await logProjectEvents(tx, d.project_id, [
      fundsAcknowledgedEvent(
        { disbursementId: d.id, projectId: d.project_id, orgId: d.org_id, photo },
        now,
      ),
    ]);
    await tx
      .updateTable('disbursements')
      .set({
        acknowledged_at: now,
        ack_note: input.note?.trim() || null,
        ack_photo_sha256: photo,
        ack_outbox_id: outboxId!,
      })
      .where('id', '=', d.id)
      .execute();
    return { disbursementId: d.id, outboxId: outboxId! };
  });
}
