import type { RecordDisbursementBody } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { hashToken } from '../donations/donor-secret.js';
import { allocateFunds } from '../donations/funds.js';
import { AppError } from '../errors.js';
import { ownedFiles } from '../files/queries.js';
import { ALLOCATIONS_PER_EVENT, fundsDisbursedEvents } from '../ledger/events.js';
import { findBeneficiary } from '../projects/beneficiaries.js';
import { checkAmount, checkCurrency } from '../projects/money.js';
import { logProjectEvents } from '../projects/project-log.js';
import { addSpent, findActiveBudgetLine, findOrgProject } from '../projects/queries.js';
import { newAckCode } from './ack-code.js';

/** A disbursement as the charity records it (the contract's request body). */
export type DisbursementInput = RecordDisbursementBody;

/** Allocation rows are inserted this many at a time. */
const INSERT_PAGE = 1000;

/**
 * Records money paid out of a project, in ONE transaction: the donations context locks and
 * debits the fund shards (never below zero) and allocates the amount to the oldest unallocated
 * donations (allocateFunds: FIFO by paidSeq, the rule packages/books replays), and
 * `funds.disbursed` — with its allocations and the evidence files' hashes — goes to the
 * outbox. Returns the one-time code for the beneficiary's confirmation; it is not stored, only
 * its hash.
 */
export async function recordDisbursement(
  db: Kysely<DB>,
  orgId: string,
  projectId: string,
  userId: string,
  input: DisbursementInput,
  now: Date,
) {
  checkCurrency(input.currency);
  checkAmount(input.amount, 'A disbursement');
  const shas = input.evidence.map((e) => e.sha256);
  if (shas.length === 0 || new Set(shas).size !== shas.length) {
    throw new AppError(
      'invalid_evidence',
      'Attach at least one evidence file (an invoice or receipt), each once.',
    );
  }
  // "Today" somewhere on Earth: a charity in China (UTC+8) pays at 07:00 on a day that has
  // not begun in UTC. UTC+14 is the furthest any zone runs ahead.
  if (input.date > new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10)) {
    throw new AppError('invalid_dates', 'A disbursement cannot be dated in the future.');
  }

  return db.transaction().execute(async (tx) => {
    const project = await findOrgProject(tx, orgId, projectId);
    if (!project) throw new AppError('not_found', 'No such project in this charity.');
    if (project.status === 'draft')
      throw new AppError('project_not_open', 'Publish the project before spending from it.');
    const line = await findActiveBudgetLine(tx, projectId, input.budgetLineId);
    if (!line) throw new AppError('invalid_budget', 'No such budget line in this project.');
    const payee = await findBeneficiary(tx, orgId, input.beneficiaryId);
    if (!payee) throw new AppError('not_found', 'No such beneficiary in this charity.');
    // Evidence is what this charity uploaded: another charity's file, or a beneficiary's
    // photo, is not its to cite even though the bytes are stored.
    const mediaType = await ownedFiles(tx, { orgId }, shas);
    if (mediaType.size !== shas.length)
      throw new AppError(
        'invalid_evidence',
        'Upload each evidence file to this charity before recording the disbursement.',
        { notUploaded: shas.filter((s) => !mediaType.has(s)) },
      );

    const allocations = await allocateFunds(tx, projectId, input.amount);

    const code = newAckCode();
    const disbursementId = crypto.randomUUID();
    const events = fundsDisbursedEvents(
      {
        id: disbursementId,
        projectId,
        orgId,
        amount: input.amount,
        currency: project.currency,
        budgetLine: line,
        payee,
        purpose: input.purpose.trim(),
        date: input.date,
        evidence: input.evidence.map((e) => ({ ...e, mediaType: mediaType.get(e.sha256)! })),
        allocations,
      },
      now,
    );
    const outboxIds = await logProjectEvents(tx, projectId, events);
    const outboxId = outboxIds[0];
    await tx
      .insertInto('disbursements')
      .values({
        id: disbursementId,
        project_id: projectId,
        org_id: orgId,
        budget_line_id: line.id,
        beneficiary_id: payee.id,
        amount: input.amount,
        currency: project.currency,
        purpose: input.purpose.trim(),
        paid_on: input.date,
        created_by: userId,
        created_at: now,
        outbox_id: outboxId!,
        ack_code_hash: hashToken(code),
      })
      .execute();
    await tx
      .insertInto('disbursement_evidence')
      .values(
        input.evidence.map((e, position) => ({
          disbursement_id: disbursementId,
          sha256: e.sha256,
          kind: e.kind,
          position,
        })),
      )
      .execute();
    for (let i = 0; i < allocations.length; i += INSERT_PAGE) {
      await tx
        .insertInto('allocations')
        .values(
          allocations.slice(i, i + INSERT_PAGE).map((a, j) => ({
            disbursement_id: disbursementId,
            donation_id: a.donationId,
            amount: a.amount,
            position: i + j,
            outbox_id: outboxIds[Math.floor((i + j) / ALLOCATIONS_PER_EVENT)]!,
          })),
        )
        .execute();
    }
    await addSpent(tx, projectId, input.amount);
    return { id: disbursementId, outboxId: outboxId!, allocations, ackCode: code };
  });
}
