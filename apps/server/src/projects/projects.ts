import type { BudgetLineInput, CreateProjectBody } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { openFunds } from '../donations/funds.js';
import { AppError } from '../errors.js';
import { ownedFiles } from '../files/queries.js';
import {
  type BudgetLineRef,
  projectBudgetChangedEvent,
  projectPublishedEvent,
} from '../ledger/events.js';
import { findOrg } from '../orgs/queries.js';
import { budgetLinesSpentFrom } from '../spending/queries.js';
import { CURRENCY, checkAmount, checkCurrency, fen } from './money.js';
import { logProjectEvents } from './project-log.js';

/** A project as a charity drafts it (the contract's request body; amounts in fen). */
export type ProjectInput = CreateProjectBody;

function checkProject(input: Partial<ProjectInput>) {
  if (input.goal) {
    checkCurrency(input.goal.currency);
    checkAmount(input.goal.amount, 'The goal');
  }
  if (input.budget) {
    const labels = new Set<string>();
    for (const line of input.budget) {
      checkAmount(line.amount, `Budget line "${line.label}"`);
      const key = line.label.trim().toLowerCase();
      if (labels.has(key))
        throw new AppError('invalid_budget', `Budget line "${line.label}" appears twice.`);
      labels.add(key);
    }
  }
  if (input.startDate && input.endDate && input.endDate < input.startDate) {
    throw new AppError('invalid_dates', 'A project cannot end before it starts.');
  }
}

/** A cover is an image this charity uploaded (the bytes may be shared; the right is not). */
async function checkCover(tx: Kysely<DB>, orgId: string, sha256: string | null | undefined) {
  if (!sha256) return;
  const type = (await ownedFiles(tx, { orgId }, [sha256])).get(sha256);
  if (type !== 'image/jpeg' && type !== 'image/png') throw new AppError('invalid_cover');
}

/** A charity's member drafts a project; nothing is public until it is published. */
export async function createProject(
  db: Kysely<DB>,
  orgId: string,
  userId: string,
  input: ProjectInput,
) {
  checkProject(input);
  return db.transaction().execute(async (tx) => {
    await checkCover(tx, orgId, input.coverSha256);
    const { id } = await tx
      .insertInto('projects')
      .values({
        org_id: orgId,
        title: input.title.trim(),
        summary: input.summary.trim(),
        story: input.story.trim(),
        cause: input.cause,
        city: input.city.trim(),
        region: input.region.trim(),
        beneficiary_description: input.beneficiaryDescription.trim(),
        goal_amount: input.goal.amount,
        currency: CURRENCY,
        start_date: input.startDate,
        end_date: input.endDate,
        cover_sha256: input.coverSha256 ?? null,
        status: 'draft',
        created_by: userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('project_budget_lines')
      .values(
        input.budget.map((l, i) => ({
          project_id: id,
          position: i,
          label: l.label.trim(),
          amount: l.amount,
        })),
      )
      .execute();
    await openFunds(tx, id);
    return id;
  });
}

async function lockProject(tx: Kysely<DB>, orgId: string, projectId: string) {
  const project = await tx
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', projectId)
    .where('org_id', '=', orgId)
    .forUpdate()
    .executeTakeFirst();
  // Another charity's project is as absent as a project that does not exist.
  if (!project) throw new AppError('not_found', 'No such project in this charity.');
  return project;
}

async function activeBudget(tx: Kysely<DB>, projectId: string): Promise<BudgetLineRef[]> {
  const lines = await tx
    .selectFrom('project_budget_lines')
    .select(['id', 'label', 'amount'])
    .where('project_id', '=', projectId)
    .where('removed', '=', false)
    .orderBy('position')
    .execute();
  return lines.map((l) => ({ id: l.id, label: l.label, amount: fen(l.amount) }));
}

/**
 * Replaces the budget lines: lines named by id are kept (and may change), new ones are added,
 * missing ones are removed — a line with spending against it is kept but marked removed, so
 * its disbursements still point at it.
 */
async function replaceBudget(tx: Kysely<DB>, projectId: string, budget: BudgetLineInput[]) {
  const current = await tx
    .selectFrom('project_budget_lines')
    .select(['id'])
    .where('project_id', '=', projectId)
    .execute();
  const known = new Set(current.map((l) => l.id));
  const kept = new Set<string>();
  for (const [position, line] of budget.entries()) {
    if (line.id) {
      if (!known.has(line.id))
        throw new AppError('invalid_budget', `Budget line ${line.id} is not in this project.`);
      kept.add(line.id);
      await tx
        .updateTable('project_budget_lines')
        .set({ label: line.label.trim(), amount: line.amount, position, removed: false })
        .where('id', '=', line.id)
        .execute();
    } else {
      await tx
        .insertInto('project_budget_lines')
        .values({ project_id: projectId, position, label: line.label.trim(), amount: line.amount })
        .execute();
    }
  }
  const dropped = [...known].filter((id) => !kept.has(id));
  if (dropped.length === 0) return;
  const usedIds = await budgetLinesSpentFrom(tx, dropped);
  if (usedIds.length) {
    await tx
      .updateTable('project_budget_lines')
      .set({ removed: true, position: 1_000_000 })
      .where('id', 'in', usedIds)
      .execute();
  }
  const unused = dropped.filter((id) => !usedIds.includes(id));
  if (unused.length)
    await tx.deleteFrom('project_budget_lines').where('id', 'in', unused).execute();
}

/**
 * Edits a project. After publishing, a budget change is public history: it goes on the log
 * with the reason given, in the same transaction.
 */
export async function updateProject(
  db: Kysely<DB>,
  orgId: string,
  projectId: string,
  input: Partial<ProjectInput> & { budgetChangeReason?: string },
  now: Date,
) {
  checkProject(input);
  return db.transaction().execute(async (tx) => {
    const project = await lockProject(tx, orgId, projectId);
    if (project.status === 'closed') throw new AppError('project_closed');
    if (project.status === 'published') {
      if (input.goal || input.startDate) {
        throw new AppError(
          'project_published',
          'The goal and start date are fixed once a project is published.',
        );
      }
      if (input.budget && !input.budgetChangeReason?.trim()) {
        throw new AppError('budget_reason_required');
      }
    }
    const start = input.startDate ?? project.start_date;
    const end = input.endDate ?? project.end_date;
    if (end < start) throw new AppError('invalid_dates', 'A project cannot end before it starts.');
    await checkCover(tx, orgId, input.coverSha256);
    const values: Record<string, unknown> = { updated_at: now };
    if (input.title !== undefined) values.title = input.title.trim();
    if (input.summary !== undefined) values.summary = input.summary.trim();
    if (input.story !== undefined) values.story = input.story.trim();
    if (input.cause !== undefined) values.cause = input.cause;
    if (input.city !== undefined) values.city = input.city.trim();
    if (input.region !== undefined) values.region = input.region.trim();
    if (input.beneficiaryDescription !== undefined)
      values.beneficiary_description = input.beneficiaryDescription.trim();
    if (input.goal !== undefined) values.goal_amount = input.goal.amount;
    if (input.startDate !== undefined) values.start_date = input.startDate;
    if (input.endDate !== undefined) values.end_date = input.endDate;
    if (input.coverSha256 !== undefined) values.cover_sha256 = input.coverSha256;
    await tx.updateTable('projects').set(values).where('id', '=', projectId).execute();
    if (input.budget) {
      await replaceBudget(tx, projectId, input.budget);
      if (project.status === 'published') {
        const budget = await activeBudget(tx, projectId);
        await logProjectEvents(tx, projectId, [
          projectBudgetChangedEvent(
            { id: projectId, orgId, budget, reason: input.budgetChangeReason!.trim() },
            now,
          ),
        ]);
      }
    }
  });
}

/** Publishing makes a project public and open for donations, and puts it on the log. */
export async function publishProject(db: Kysely<DB>, orgId: string, projectId: string, now: Date) {
  return db.transaction().execute(async (tx) => {
    // The project first: one that does not exist is not_found, whatever the charity's state.
    const project = await lockProject(tx, orgId, projectId);
    const org = await findOrg(tx, orgId);
    if (org?.status !== 'verified') throw new AppError('org_not_verified');
    if (project.status !== 'draft')
      throw new AppError('project_published', 'This project is already published.');
    const budget = await activeBudget(tx, projectId);
    if (budget.length === 0)
      throw new AppError('invalid_budget', 'A project needs at least one budget line.');
    await tx
      .updateTable('projects')
      .set({ status: 'published', published_at: now, updated_at: now })
      .where('id', '=', projectId)
      .execute();
    await logProjectEvents(tx, projectId, [
      projectPublishedEvent(
        {
          id: projectId,
          orgId,
          title: project.title,
          cause: project.cause,
          city: project.city,
          goal: fen(project.goal_amount),
          currency: project.currency,
          budget,
          startDate: project.start_date,
          endDate: project.end_date,
        },
        now,
      ),
    ]);
  });
}
