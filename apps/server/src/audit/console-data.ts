import {
  ANOMALY_CODES,
  type Anomaly,
  type AnomalyCode,
  type Books,
  findAnomalies,
} from '@goodtrace/books';
import type { AnomalyList, CharityBooks } from '@goodtrace/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { isUuid } from '../db/uuid.js';
import { AppError } from '../errors.js';
import { findOrg, orgNames } from '../orgs/queries.js';
import { projectTitles } from '../projects/queries.js';
import { listDisbursements } from '../spending/queries.js';

/**
 * What the auditor's console shows of the money, computed from the books replayed FROM THE
 * LOG (LogBooks), never from the database's running totals: the amounts are the ones an
 * outside auditor recomputes. The database adds only what the log leaves out on purpose or
 * what people need to read: names, titles, purposes.
 */

const MAX_ANOMALIES = 500;

/** The anomalies of the replayed books (packages/books findAnomalies), filtered, with names. */
export async function anomalyList(
  db: Kysely<DB>,
  books: Books,
  filter: { code?: AnomalyCode; orgId?: string },
  now: Date,
): Promise<AnomalyList> {
  const all = findAnomalies(books, { now });
  const counts = Object.fromEntries(ANOMALY_CODES.map((c) => [c, 0])) as Record<
    AnomalyCode,
    number
  >;
  const matching: Anomaly[] = [];
  for (const a of all) {
    if (filter.orgId && a.orgId !== filter.orgId) continue;
    // Counts per code follow the charity filter, not the code filter: they label the tabs.
    counts[a.code]++;
    if (filter.code && a.code !== filter.code) continue;
    matching.push(a);
  }
  const items = matching.slice(0, MAX_ANOMALIES);
  // Ids on the log are whatever the event said; only UUIDs can be looked up.
  const [orgs, projects] = await Promise.all([
    orgNames(db, [...new Set(items.map((a) => a.orgId).filter(isUuid))]),
    projectTitles(db, [...new Set(items.map((a) => a.projectId).filter(isUuid))]),
  ]);
  return {
    replayed: books.entries,
    total: matching.length,
    counts,
    items: items.map((a) => ({
      ...a,
      orgName: orgs.get(a.orgId) ?? null,
      projectTitle: projects.get(a.projectId)?.title ?? null,
    })),
  };
}

/**
 * One charity's books from the log: each published project's raised, refunded, allocated,
 * spent, confirmed and unspent amounts and spending per budget line, and each disbursement
 * (amount, line, log index, confirmed or not) with its purpose, payee and evidence.
 */
export async function charityBooks(
  db: Kysely<DB>,
  books: Books,
  orgId: string,
  now: Date,
): Promise<CharityBooks> {
  const org = await findOrg(db, orgId);
  if (!org) throw new AppError('not_found', 'No such charity.');
  const logged = [...books.projects.values()].filter((p) => p.orgId === orgId);
  const projectIds = new Set(logged.map((p) => p.projectId));
  const spending = [...books.disbursements.values()].filter((d) => projectIds.has(d.projectId));
  // Ids on the log are whatever the event said; only UUIDs can be looked up.
  const titleIds = logged.map((p) => p.projectId).filter(isUuid);
  const detailIds = spending.map((d) => d.disbursementId).filter(isUuid);
  const [project, details] = await Promise.all([
    projectTitles(db, titleIds),
    detailIds.length ? listDisbursements(db, '', now, detailIds) : [],
  ]);
  const detail = new Map(details.map((d) => [d.id, d]));
  return {
    org: { id: org.id, name: org.name, registrationNumber: org.registration_number },
    replayed: books.entries,
    projects: logged.map((p) => ({
      id: p.projectId,
      title: project.get(p.projectId)?.title ?? null,
      status: project.get(p.projectId)?.status ?? null,
      goal: p.goal,
      raised: p.raised,
      refunded: p.refunded,
      owed: p.owed,
      allocated: p.allocated,
      spent: p.disbursed,
      confirmed: p.confirmed,
      unspent: p.unspent,
      donations: p.donations,
      disbursements: p.disbursements,
      budget: p.budget.map((l) => ({
        id: l.id,
        label: l.label,
        amount: l.amount,
        spent: p.spentByLine[l.id] ?? 0,
      })),
    })),
    disbursements: spending
      .map((d) => {
        const more = detail.get(d.disbursementId);
        const p = books.projects.get(d.projectId);
        return {
          id: d.disbursementId,
          projectId: d.projectId,
          projectTitle: project.get(d.projectId)?.title ?? null,
          amount: d.amount,
          budgetLine: {
            id: d.budgetLineId,
            label: p?.budget.find((l) => l.id === d.budgetLineId)?.label ?? null,
          },
          index: d.index,
          at: d.at,
          confirmed: d.acknowledgedIndex !== null,
          evidence: d.evidence.length,
          purpose: more?.purpose ?? null,
          date: more?.date ?? null,
          payee: more?.payee ?? null,
          overdue: more?.overdue ?? false,
        };
      })
      .reverse(),
  };
}
