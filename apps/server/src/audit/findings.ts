import { createHash, randomUUID } from 'node:crypto';
import {
  FINDING_BODY_MAX as BODY_MAX,
  type FileFindingBody,
  type Finding,
  severities,
  FINDING_TITLE_MAX as TITLE_MAX,
} from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB, FindingStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../ledger/append-event.js';
import { findingAnsweredEvent, findingClosedEvent, findingFiledEvent } from '../ledger/events.js';
import { findOrg, orgNames } from '../orgs/queries.js';
import { projectTitles } from '../projects/queries.js';
import { disbursementSummaries, findDisbursementOwner } from '../spending/queries.js';

/**
 * Findings: an auditor files one on a charity or on one of its disbursements, the charity's
 * members answer it, the auditor closes it. Each step writes its row and its log event in ONE
 * transaction (docs/ledger.md "Audit events"). Who may do what is the routes' business (an
 * `auditor` route files and closes, an `org-member` route answers); these functions check the
 * facts: the charity and disbursement exist and belong together, the finding is not closed,
 * the text is neither blank nor too long.
 */

/** Trimmed text, refused when blank or longer than `max` (the routes' schemas say the same). */
function checkText(value: string, what: string, max: number): string {
  const text = value.trim();
  if (text.length === 0) throw new AppError('validation_failed', `The ${what} is empty.`);
  if (text.length > max)
    throw new AppError('validation_failed', `The ${what} is longer than ${max} characters.`);
  return text;
}

/**
 * The commitment the log carries instead of the text: hex SHA-256 of the UTF-8 JSON array of
 * the texts (`[title, body]` for a finding, `[body]` for an answer), unambiguous and easy to
 * recompute by whoever holds the text.
 */
export function textSha256(texts: string[]): string {
  return createHash('sha256').update(JSON.stringify(texts), 'utf8').digest('hex');
}

/** A finding as an auditor files it (the contract's request body). */
export type FindingInput = FileFindingBody;

/** An auditor files a finding: the row and `finding.filed` together. */
export async function fileFinding(
  db: Kysely<DB>,
  auditorId: string,
  input: FindingInput,
  now: Date,
): Promise<{ id: string; outboxId: string }> {
  const title = checkText(input.title, 'title', TITLE_MAX);
  const body = checkText(input.body, 'text of the finding', BODY_MAX);
  if (!severities.includes(input.severity))
    throw new AppError('validation_failed', 'The severity is low, medium or high.');
  return db.transaction().execute(async (tx) => {
    if (!(await findOrg(tx, input.orgId))) throw new AppError('not_found', 'No such charity.');
    let projectId: string | null = null;
    const disbursementId = input.disbursementId ?? null;
    if (disbursementId) {
      const d = await findDisbursementOwner(tx, disbursementId);
      if (!d) throw new AppError('not_found', 'No such disbursement.');
      if (d.orgId !== input.orgId) throw new AppError('disbursement_not_in_charity');
      projectId = d.projectId;
    }
    // The id is drawn here so the event, which names it, is written before the row.
    const id = randomUUID();
    const outboxId = await appendEvent(
      tx,
      findingFiledEvent(
        {
          id,
          orgId: input.orgId,
          projectId,
          disbursementId,
          severity: input.severity,
          textSha256: textSha256([title, body]),
        },
        now,
      ),
    );
    await tx
      .insertInto('findings')
      .values({
        id,
        org_id: input.orgId,
        project_id: projectId,
        disbursement_id: disbursementId,
        title,
        body,
        severity: input.severity,
        status: 'open',
        filed_by: auditorId,
        created_at: now,
        outbox_id: outboxId,
      })
      .execute();
    return { id, outboxId };
  });
}

/** Locks a finding of this charity; a finding of another charity is as absent as none. */
async function lockFinding(tx: Kysely<DB>, findingId: string, orgId?: string) {
  let query = tx
    .selectFrom('findings')
    .select(['id', 'org_id', 'status'])
    .where('id', '=', findingId);
  if (orgId) query = query.where('org_id', '=', orgId);
  const f = await query.forUpdate().executeTakeFirst();
  if (!f) throw new AppError('not_found', 'No such finding.');
  if (f.status === 'closed') throw new AppError('finding_closed');
  return f;
}

/** A member of the charity answers one of its findings: the row and `finding.answered`. */
export async function answerFinding(
  db: Kysely<DB>,
  input: { orgId: string; findingId: string; userId: string; body: string },
  now: Date,
): Promise<{ id: string; outboxId: string }> {
  const body = checkText(input.body, 'answer', BODY_MAX);
  return db.transaction().execute(async (tx) => {
    const f = await lockFinding(tx, input.findingId, input.orgId);
    const id = randomUUID();
    const outboxId = await appendEvent(
      tx,
      findingAnsweredEvent(
        { findingId: f.id, orgId: f.org_id, answerId: id, textSha256: textSha256([body]) },
        now,
      ),
    );
    await tx
      .insertInto('finding_answers')
      .values({
        id,
        finding_id: f.id,
        body,
        answered_by: input.userId,
        created_at: now,
        outbox_id: outboxId,
      })
      .execute();
    if (f.status === 'open')
      await tx.updateTable('findings').set({ status: 'answered' }).where('id', '=', f.id).execute();
    return { id, outboxId };
  });
}

/** The auditor closes a finding: nothing more can be said on it. */
export async function closeFinding(
  db: Kysely<DB>,
  auditorId: string,
  findingId: string,
  now: Date,
): Promise<{ id: string; outboxId: string }> {
  return db.transaction().execute(async (tx) => {
    const f = await lockFinding(tx, findingId);
    const outboxId = await appendEvent(
      tx,
      findingClosedEvent({ findingId: f.id, orgId: f.org_id }, now),
    );
    await tx
      .updateTable('findings')
      .set({ status: 'closed', closed_at: now, closed_by: auditorId, closed_outbox_id: outboxId })
      .where('id', '=', f.id)
      .execute();
    return { id: f.id, outboxId };
  });
}

export interface FindingFilter {
  orgId?: string;
  status?: FindingStatus;
}

/**
 * Findings, newest first, with their answers (oldest first), the charity's name and, for a
 * finding on a disbursement, what it was. People appear by role: an auditor filed it, the
 * charity answered.
 */
export async function listFindings(
  db: Kysely<DB>,
  filter: FindingFilter = {},
  limit = 200,
): Promise<Finding[]> {
  let query = db
    .selectFrom('findings')
    .select([
      'id',
      'org_id',
      'project_id',
      'disbursement_id',
      'title',
      'body',
      'severity',
      'status',
      'created_at',
      'outbox_id',
      'closed_at',
      'closed_outbox_id',
    ])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit);
  if (filter.orgId) query = query.where('org_id', '=', filter.orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  const rows = await query.execute();
  const distinct = (ids: (string | null)[]) => [
    ...new Set(ids.filter((id): id is string => id !== null)),
  ];
  // The names the list shows come from their own contexts, read beside the answers.
  const [answers, orgs, projects, disbursements] = await Promise.all([
    rows.length
      ? db
          .selectFrom('finding_answers')
          .select(['id', 'finding_id', 'body', 'created_at', 'outbox_id'])
          .where(
            'finding_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('created_at')
          .orderBy('id')
          .execute()
      : [],
    orgNames(db, distinct(rows.map((r) => r.org_id))),
    projectTitles(db, distinct(rows.map((r) => r.project_id))),
    disbursementSummaries(db, distinct(rows.map((r) => r.disbursement_id))),
  ]);
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    orgName: orgs.get(r.org_id) ?? '',
    project: r.project_id
      ? { id: r.project_id, title: projects.get(r.project_id)?.title ?? '' }
      : null,
    disbursement: r.disbursement_id
      ? { id: r.disbursement_id, ...disbursements.get(r.disbursement_id)! }
      : null,
    title: r.title,
    body: r.body,
    severity: r.severity,
    status: r.status,
    filedAt: r.created_at.toISOString(),
    outboxId: r.outbox_id,
    closedAt: r.closed_at ? r.closed_at.toISOString() : null,
    closedOutboxId: r.closed_outbox_id,
    answers: answers
      .filter((a) => a.finding_id === r.id)
      .map((a) => ({
        id: a.id,
        body: a.body,
        answeredAt: a.created_at.toISOString(),
        outboxId: a.outbox_id,
      })),
  }));
}
