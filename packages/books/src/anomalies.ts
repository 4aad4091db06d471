// Anomalies: facts in the books that break no rule of the log but that an auditor should look
// at. Each rule is a plain function over the replayed Books with its thresholds exported, so
// the audit tool, the auditor's console and the tests apply exactly the same rule
// (docs/ledger.md, "Auditing the log", lists them).

import type { Anomaly } from '@goodtrace/contract';
import type { Books, DisbursementBooks, ProjectBooks } from './replay.js';

// The codes and the shape of an anomaly are the contract's: the console's API answers them
// and the audit tool reports them.
export type { Anomaly } from '@goodtrace/contract';
export { ANOMALY_CODES, type AnomalyCode } from '@goodtrace/contract/lists';

const DAY = 86_400_000;

/** A disbursement not acknowledged by its beneficiary this many days after its `at` is flagged. */
export const UNCONFIRMED_AFTER_DAYS = 30;
/** A project with unspent money and no disbursement for this many days is flagged. */
export const IDLE_AFTER_DAYS = 90;
/** A large disbursement takes at least this share of the project's goal… */
export const LARGE_SHARE_OF_GOAL = 0.5;
/** …and is at least this many times the median of the project's other disbursements… */
export const LARGE_TIMES_MEDIAN = 10;
/** …of which there are at least this many (with fewer, "usual" has no meaning yet). */
export const LARGE_MIN_OTHERS = 3;
/** A round disbursement is at least ¥50,000… */
export const ROUND_MIN = 5_000_000;
/** …and an exact multiple of ¥10,000. */
export const ROUND_UNIT = 1_000_000;

export interface AnomalyOptions {
  /** The audit's clock: ages are measured up to it. */
  now: Date;
}

function yuan(fen: number): string {
  const whole = Math.floor(Math.abs(fen) / 100).toLocaleString('en-US');
  return `${fen < 0 ? '-' : ''}¥${whole}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
}

/** Whole days from `at` to `now`, or null when `at` is not a time. */
function ageInDays(at: string, now: number): number | null {
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : Math.floor((now - t) / DAY);
}

/** The median of `sorted` (ascending) without one element equal to `value`, in O(log n). */
function medianWithout(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  const at = (k: number) => (k < lo ? sorted[k]! : sorted[k + 1]!);
  const m = sorted.length - 1;
  const mid = m >> 1;
  return m % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** Disbursements never acknowledged by the beneficiary UNCONFIRMED_AFTER_DAYS or more after they were made. */
export function unconfirmedDisbursements(books: Books, now: Date): Anomaly[] {
  const out: Anomaly[] = [];
  const t = now.getTime();
  for (const d of books.disbursements.values()) {
    if (d.acknowledgedIndex !== null) continue;
    const days = ageInDays(d.at, t);
    if (days === null || days < UNCONFIRMED_AFTER_DAYS) continue;
    const p = books.projects.get(d.projectId);
    out.push({
      code: 'unconfirmed_disbursement',
      index: d.index,
      projectId: d.projectId,
      orgId: p?.orgId ?? '',
      disbursementId: d.disbursementId,
      amount: d.amount,
      message: `disbursement ${d.disbursementId} of ${yuan(d.amount)} has not been acknowledged by its beneficiary ${days} days after it was made`,
    });
  }
  return out;
}

/** Each project's disbursements in log order (the books' map keeps insertion order). */
function disbursementsByProject(books: Books): Map<string, DisbursementBooks[]> {
  const by = new Map<string, DisbursementBooks[]>();
  for (const d of books.disbursements.values()) {
    const list = by.get(d.projectId);
    if (list) list.push(d);
    else by.set(d.projectId, [d]);
  }
  return by;
}

/**
 * Budget lines spent beyond their amount in the project's current budget (a line the budget
 * does not have counts as a line of zero). Reported once per line, at the disbursement that
 * first took it over.
 */
export function budgetLineOverruns(books: Books): Anomaly[] {
  const out: Anomaly[] = [];
  for (const [projectId, list] of disbursementsByProject(books)) {
    const p = books.projects.get(projectId)!;
    const limits = new Map(p.budget.map((l) => [l.id, l] as const));
    const spent = new Map<string, number>();
    for (const d of list) {
      const before = spent.get(d.budgetLineId) ?? 0;
      const after = before + d.amount;
      spent.set(d.budgetLineId, after);
      const line = limits.get(d.budgetLineId);
      const limit = line?.amount ?? 0;
      if (before <= limit && after > limit) {
        const total = p.spentByLine[d.budgetLineId] ?? after;
        out.push({
          code: 'budget_line_overrun',
          index: d.index,
          projectId,
          orgId: p.orgId,
          disbursementId: d.disbursementId,
          amount: total - limit,
          message: line
            ? `budget line "${line.label}" (${line.id}) is spent ${yuan(total)} of its ${yuan(limit)}, over by ${yuan(total - limit)}`
            : `${yuan(total)} is spent on budget line ${d.budgetLineId}, which the budget does not have`,
        });
      }
    }
  }
  return out;
}

/**
 * Unusually large disbursements: at least LARGE_SHARE_OF_GOAL of the project's goal and at
 * least LARGE_TIMES_MEDIAN times the median of the project's other disbursements, when there
 * are at least LARGE_MIN_OTHERS of them.
 */
export function largeDisbursements(books: Books): Anomaly[] {
  const out: Anomaly[] = [];
  for (const [projectId, list] of disbursementsByProject(books)) {
    if (list.length < LARGE_MIN_OTHERS + 1) continue;
    const p = books.projects.get(projectId)!;
    const floor = p.goal * LARGE_SHARE_OF_GOAL;
    const sorted = list.map((d) => d.amount).sort((a, b) => a - b);
    for (const d of list) {
      if (d.amount < floor) continue;
      const usual = medianWithout(sorted, d.amount);
      if (d.amount < LARGE_TIMES_MEDIAN * usual) continue;
      out.push({
        code: 'large_disbursement',
        index: d.index,
        projectId,
        orgId: p.orgId,
        disbursementId: d.disbursementId,
        amount: d.amount,
        message: `disbursement ${d.disbursementId} of ${yuan(d.amount)} is ${Math.round((d.amount / p.goal) * 100)}% of the goal and ${Math.round(d.amount / usual)}× the project's median disbursement of ${yuan(Math.round(usual))}`,
      });
    }
  }
  return out;
}

/** Whether an amount is suspiciously round: at least ROUND_MIN and a multiple of ROUND_UNIT. */
export function isRoundAmount(amount: number): boolean {
  return amount >= ROUND_MIN && amount % ROUND_UNIT === 0;
}

/** Large disbursements of a suspiciously round amount (real invoices rarely are). */
export function roundDisbursements(books: Books): Anomaly[] {
  const out: Anomaly[] = [];
  for (const d of books.disbursements.values()) {
    if (!isRoundAmount(d.amount)) continue;
    out.push({
      code: 'round_disbursement',
      index: d.index,
      projectId: d.projectId,
      orgId: books.projects.get(d.projectId)?.orgId ?? '',
      disbursementId: d.disbursementId,
      amount: d.amount,
      message: `disbursement ${d.disbursementId} is exactly ${yuan(d.amount)}, a multiple of ${yuan(ROUND_UNIT)}`,
    });
  }
  return out;
}

/**
 * Projects holding unspent money with no disbursement for IDLE_AFTER_DAYS or more: counted from
 * the latest disbursement, or from the first donation when nothing was ever disbursed.
 */
export function idleMoney(books: Books, now: Date): Anomaly[] {
  const out: Anomaly[] = [];
  const t = now.getTime();
  for (const p of books.projects.values()) {
    if (p.unspent <= 0) continue;
    const since = p.lastDisbursement ?? p.firstDonation;
    if (!since) continue;
    const days = ageInDays(since.at, t);
    if (days === null || days < IDLE_AFTER_DAYS) continue;
    out.push(idle(p, since.index, days));
  }
  return out;
}

function idle(p: ProjectBooks, index: number, days: number): Anomaly {
  const what = p.lastDisbursement ? 'since its last disbursement' : 'since its first donation';
  return {
    code: 'idle_money',
    index,
    projectId: p.projectId,
    orgId: p.orgId,
    amount: p.unspent,
    message: `project ${p.projectId} holds ${yuan(p.unspent)} unspent and has disbursed nothing for ${days} days (${what})`,
  };
}

/** Every anomaly the books alone show, in log order (project-wide ones last). */
export function findAnomalies(books: Books, opts: AnomalyOptions): Anomaly[] {
  const all = [
    ...unconfirmedDisbursements(books, opts.now),
    ...budgetLineOverruns(books),
    ...largeDisbursements(books),
    ...roundDisbursements(books),
    ...idleMoney(books, opts.now),
  ];
  return all.sort((a, b) => (a.index < 0 ? 1 : 0) - (b.index < 0 ? 1 : 0) || a.index - b.index);
}
