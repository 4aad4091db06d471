import type {
  DonationRefunded,
  DonationRefundedV1,
  EventData,
  EventType,
  Unchecked,
} from '@goodtrace/contract';
import { type Allocation, allocateFifo } from './fifo.js';
import { hasOpened } from './open-days.js';

/**
 * An event as it stands on the log (the canonical JSON, parsed), with its log index. Its data
 * is not trusted: the replay checks each member it reads against the contract's event types
 * (@goodtrace/contract events.ts) and reports what does not fit as a violation.
 */
export interface LoggedEvent {
  index: number;
  event: { type: string; v: number; at: string; data: Record<string, unknown> };
}

/** An event's data as the replay holds it before checking: the contract's member names. */
type Data<T extends EventType> = Unchecked<EventData<T>>;
/** Either version of a refund's data, every member of both (v1 has `reason`, v2 `owed`). */
type RefundData = Unchecked<DonationRefundedV1['data'] & DonationRefunded['data']>;

export interface ProjectBooks {
  projectId: string;
  orgId: string;
  published: boolean;
  goal: number;
  budget: { id: string; label: string; amount: number }[];
  /** The first day it takes donations ('YYYY-MM-DD'), as published; null if the event has none. */
  startDate: string | null;
  /** Sum of donations received (before refunds). */
  raised: number;
  /** Sum of refunded donations' whole amounts. */
  refunded: number;
  /**
   * What the charity owes for refunds of money it had already spent: the allocated part of
   * every refunded donation (the rest of such a donation left the unspent balance).
   */
  owed: number;
  /** Donation money allocated to disbursements; always equals `disbursed`. */
  allocated: number;
  disbursed: number;
  /** Disbursed amounts whose beneficiary confirmed receipt. */
  confirmed: number;
  /** raised − refunded + owed − allocated. */
  unspent: number;
  donations: number;
  disbursements: number;
  /** Disbursed per budget line id. */
  spentByLine: Record<string, number>;
  /** The project's first donation (log index and `at`), for the idle-money rule. */
  firstDonation: { index: number; at: string } | null;
  /** The project's latest disbursement (log index and `at`). */
  lastDisbursement: { index: number; at: string } | null;
}

export interface DonationBooks {
  donationId: string;
  projectId: string;
  amount: number;
  allocated: number;
  refunded: boolean;
  paidSeq: number;
  donor: string;
  index: number;
}

export interface DisbursementBooks {
  disbursementId: string;
  projectId: string;
  amount: number;
  budgetLineId: string;
  index: number;
  at: string;
  allocations: Allocation[];
  parts: number;
  partsSeen: number;
  acknowledgedIndex: number | null;
  evidence: { sha256: string; kind: string; mediaType: string }[];
}

export interface Violation {
  /** Log index of the event that breaks a rule (or -1 for an end-of-log check). */
  index: number;
  code:
    | 'malformed_event'
    | 'unknown_project'
    | 'duplicate_id'
    | 'unknown_donation'
    | 'unknown_disbursement'
    | 'wrong_currency'
    | 'insufficient_funds'
    | 'allocation_not_fifo'
    | 'allocation_sum_mismatch'
    | 'refund_of_allocated_donation'
    | 'refund_owed_mismatch'
    | 'donation_before_start'
    | 'acknowledged_twice'
    | 'missing_allocation_part';
  message: string;
}

export interface Books {
  projects: Map<string, ProjectBooks>;
  donations: Map<string, DonationBooks>;
  disbursements: Map<string, DisbursementBooks>;
  violations: Violation[];
  /** How many log entries were replayed. */
  entries: number;
}

class Malformed extends Error {}

function str<D extends object>(data: D, key: keyof D & string): string {
  const v = (data as Record<string, unknown>)[key];
  if (typeof v !== 'string' || v.length === 0) throw new Malformed(`${key} is not a string`);
  return v;
}

function fen<D extends object>(data: D, key: keyof D & string): number {
  const v = (data as Record<string, unknown>)[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new Malformed(`${key} is not a positive integer amount`);
  }
  return v;
}

/** A non-negative integer amount of fen (zero allowed). */
function fenOrZero<D extends object>(data: D, key: keyof D & string): number {
  const v = (data as Record<string, unknown>)[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Malformed(`${key} is not a non-negative integer amount`);
  }
  return v;
}

function allocationList(data: Data<'funds.disbursed'> | Data<'funds.allocated'>): Allocation[] {
  const list = data.allocations;
  if (!Array.isArray(list)) throw new Malformed('allocations is not a list');
  return list.map((a: unknown) => {
    if (typeof a !== 'object' || a === null) throw new Malformed('an allocation is not an object');
    const rec = a as Unchecked<EventData<'funds.disbursed'>['allocations'][number]>;
    return { donationId: str(rec, 'donationId'), amount: fen(rec, 'amount') };
  });
}

/** A project's unallocated donations, kept in paidSeq order. */
interface Queue {
  items: { donationId: string; remaining: number; paidSeq: number }[];
}

function enqueue(queue: Queue, item: Queue['items'][number]) {
  // Donations nearly always arrive in paidSeq order; insert from the end.
  let i = queue.items.length;
  while (i > 0 && queue.items[i - 1]!.paidSeq > item.paidSeq) i--;
  queue.items.splice(i, 0, item);
}

/**
 * Replays Goodtrace's money events in log order and recomputes every project's books from the
 * log alone, checking each rule on the way (docs/money.md): donations only to published
 * projects, refunds only of wholly unallocated donations, disbursements never above the
 * unspent balance and allocated FIFO by paidSeq, each acknowledgement once. Breaches are
 * collected, not thrown, so an auditor sees all of them.
 */
export function replayBooks(events: Iterable<LoggedEvent>): Books {
  const books = new Replay();
  for (const e of events) books.apply(e);
  return books.finish();
}

/** The same replay, fed one event at a time (an audit tool streams millions of them). */
export class Replay {
  readonly projects = new Map<string, ProjectBooks>();
  readonly donations = new Map<string, DonationBooks>();
  readonly disbursements = new Map<string, DisbursementBooks>();
  readonly violations: Violation[] = [];
  private readonly queues = new Map<string, Queue>();
  /** Allocations a disbursement still owes in continuation parts. */
  private readonly pendingParts = new Map<string, Allocation[]>();
  private entries = 0;

  apply({ index, event }: LoggedEvent): void {
    this.entries++;
    // Each handler reads the data member by member (str, fen…) as the contract names them:
    // whatever the event claims, it is checked.
    const data = event.data ?? {};
    const type: string = event.type;
    try {
      switch (type) {
        case 'project.published' satisfies EventType:
          this.published(index, data as Data<'project.published'>);
          break;
        case 'project.budget_changed' satisfies EventType:
          this.budgetChanged(index, data as Data<'project.budget_changed'>);
          break;
        case 'donation.received' satisfies EventType:
          this.received(index, event.at, data as Data<'donation.received'>);
          break;
        case 'donation.refunded' satisfies EventType:
          this.refunded(index, event.v, data as RefundData);
          break;
        case 'funds.disbursed' satisfies EventType:
          this.disbursed(index, event.at, data as Data<'funds.disbursed'>);
          break;
        case 'funds.allocated' satisfies EventType:
          this.allocatedPart(index, data as Data<'funds.allocated'>);
          break;
        case 'funds.acknowledged' satisfies EventType:
          this.acknowledged(index, data as Data<'funds.acknowledged'>);
          break;
        default:
        // other events (org.verified, campaigns…) do not move project money
      }
    } catch (err) {
      if (err instanceof Malformed) {
        this.violate(index, 'malformed_event', `${event.type}: ${err.message}`);
        return;
      }
      throw err;
    }
  }

  finish(): Books {
    for (const [id, owed] of this.pendingParts) {
      if (owed.length > 0) {
        this.violate(
          -1,
          'missing_allocation_part',
          `disbursement ${id} never logged ${owed.length} of its allocations`,
        );
      }
    }
    return {
      projects: this.projects,
      donations: this.donations,
      disbursements: this.disbursements,
      violations: this.violations,
      entries: this.entries,
    };
  }

  private violate(index: number, code: Violation['code'], message: string) {
    this.violations.push({ index, code, message });
  }

  private project(index: number, data: { projectId?: unknown }): ProjectBooks | null {
    const id = str(data, 'projectId');
    const p = this.projects.get(id);
    if (!p) this.violate(index, 'unknown_project', `project ${id} was never published`);
    return p ?? null;
  }

  private budget(data: Data<'project.published'> | Data<'project.budget_changed'>) {
    if (!Array.isArray(data.budget)) throw new Malformed('budget is not a list');
    return data.budget.map((l: unknown): ProjectBooks['budget'][number] => {
      const rec = (l ?? {}) as Unchecked<EventData<'project.published'>['budget'][number]>;
      return { id: str(rec, 'id'), label: str(rec, 'label'), amount: fen(rec, 'amount') };
    });
  }

  private published(index: number, data: Data<'project.published'>) {
    const id = str(data, 'projectId');
    if (this.projects.has(id)) {
      this.violate(index, 'duplicate_id', `project ${id} published twice`);
      return;
    }
    this.projects.set(id, {
      projectId: id,
      orgId: str(data, 'orgId'),
      published: true,
      goal: fen(data, 'goal'),
      budget: this.budget(data),
      // Read leniently: a log without it is checked for everything but the start.
      startDate:
        typeof data.startDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(data.startDate)
          ? data.startDate
          : null,
      raised: 0,
      refunded: 0,
      owed: 0,
      allocated: 0,
      disbursed: 0,
      confirmed: 0,
      unspent: 0,
      donations: 0,
      disbursements: 0,
      spentByLine: {},
      firstDonation: null,
      lastDisbursement: null,
    });
    this.queues.set(id, { items: [] });
  }

  private budgetChanged(index: number, data: Data<'project.budget_changed'>) {
    const p = this.project(index, data);
    if (p) p.budget = this.budget(data);
  }

  private received(index: number, at: string, data: Data<'donation.received'>) {
    const id = str(data, 'donationId');
    const amount = fen(data, 'amount');
    const paidSeq = fen(data, 'paidSeq');
    if (data.currency !== 'CNY') {
      this.violate(index, 'wrong_currency', `donation ${id} is in ${String(data.currency)}`);
      return;
    }
    const p = this.project(index, data);
    if (!p) return;
    if (this.donations.has(id)) {
      this.violate(index, 'duplicate_id', `donation ${id} received twice`);
      return;
    }
    // The money moved, so the books count it; that it was taken before the project opened is
    // the operator's breach of the rule the server applies (open-days.ts).
    const t = new Date(at);
    if (p.startDate && !Number.isNaN(t.getTime()) && !hasOpened(p.startDate, t)) {
      this.violate(
        index,
        'donation_before_start',
        `donation ${id} was received at ${at}, before its project opened on ${p.startDate}`,
      );
    }
    this.donations.set(id, {
      donationId: id,
      projectId: p.projectId,
      amount,
      allocated: 0,
      refunded: false,
      paidSeq,
      donor: str(data, 'donor'),
      index,
    });
    p.raised += amount;
    p.unspent += amount;
    p.donations++;
    p.firstDonation ??= { index, at };
    enqueue(this.queues.get(p.projectId)!, { donationId: id, remaining: amount, paidSeq });
  }

  /**
   * A refund or chargeback. Version 1 takes back a wholly unallocated donation. Version 2 also
   * takes back one already (partly) spent: its unallocated remainder leaves the unspent
   * balance and the FIFO queue, and its allocated part, which went to beneficiaries, becomes
   * what the charity owes (`owed`, which must equal the donation's allocated amount).
   */
  private refunded(index: number, v: number, data: RefundData) {
    const id = str(data, 'donationId');
    const claimedOwed = v >= 2 ? fenOrZero(data, 'owed') : 0;
    const d = this.donations.get(id);
    if (!d || d.refunded) {
      this.violate(
        index,
        'unknown_donation',
        `refund of ${id}, which is not an unrefunded donation`,
      );
      return;
    }
    if (v < 2 && d.allocated > 0) {
      this.violate(
        index,
        'refund_of_allocated_donation',
        `donation ${id} was refunded after ${d.allocated} of it was spent`,
      );
      return;
    }
    if (claimedOwed !== d.allocated) {
      // The books follow the allocations on the log, whatever the event claims.
      this.violate(
        index,
        'refund_owed_mismatch',
        `the refund of donation ${id} says ${claimedOwed} is owed; ${d.allocated} of it was spent`,
      );
    }
    d.refunded = true;
    const p = this.projects.get(d.projectId)!;
    p.refunded += d.amount;
    p.owed += d.allocated;
    p.unspent -= d.amount - d.allocated;
    const queue = this.queues.get(d.projectId)!;
    queue.items = queue.items.filter((q) => q.donationId !== id);
  }

  private disbursed(index: number, at: string, data: Data<'funds.disbursed'>) {
    const id = str(data, 'disbursementId');
    const amount = fen(data, 'amount');
    const listed = allocationList(data);
    const parts = data.parts === undefined ? 1 : fen(data, 'parts');
    const evidence = Array.isArray(data.evidence)
      ? data.evidence.map((e: unknown) => {
          const rec = (e ?? {}) as Unchecked<EventData<'funds.disbursed'>['evidence'][number]>;
          return {
            sha256: str(rec, 'sha256'),
            kind: str(rec, 'kind'),
            mediaType: str(rec, 'mediaType'),
          };
        })
      : [];
    if (data.currency !== 'CNY') {
      this.violate(index, 'wrong_currency', `disbursement ${id} is in ${String(data.currency)}`);
      return;
    }
    const p = this.project(index, data);
    if (!p) return;
    if (this.disbursements.has(id)) {
      this.violate(index, 'duplicate_id', `disbursement ${id} logged twice`);
      return;
    }
    const queue = this.queues.get(p.projectId)!;
    const expected = allocateFifo(queue.items, amount);
    if (!expected) {
      this.violate(
        index,
        'insufficient_funds',
        `disbursement ${id} of ${amount} exceeds the unspent ${p.unspent}`,
      );
      return;
    }
    const budgetLineId = str(data, 'budgetLineId');
    const d: DisbursementBooks = {
      disbursementId: id,
      projectId: p.projectId,
      amount,
      budgetLineId,
      index,
      at,
      allocations: [],
      parts,
      partsSeen: 0,
      acknowledgedIndex: null,
      evidence,
    };
    this.disbursements.set(id, d);
    // The books follow the rule, whatever the event claims; a claim that differs is a violation.
    this.consume(p, expected);
    p.disbursed += amount;
    p.disbursements++;
    p.spentByLine[budgetLineId] = (p.spentByLine[budgetLineId] ?? 0) + amount;
    p.lastDisbursement = { index, at };
    this.pendingParts.set(id, expected);
    this.checkPart(index, d, listed);
  }

  private allocatedPart(index: number, data: Data<'funds.allocated'>) {
    const id = str(data, 'disbursementId');
    const d = this.disbursements.get(id);
    if (!d) {
      this.violate(index, 'unknown_disbursement', `allocations for unknown disbursement ${id}`);
      return;
    }
    this.checkPart(index, d, allocationList(data));
  }

  /** Compares the next part of a disbursement's listed allocations with what FIFO gives. */
  private checkPart(index: number, d: DisbursementBooks, listed: Allocation[]) {
    const owed = this.pendingParts.get(d.disbursementId) ?? [];
    d.partsSeen++;
    const expected = owed.slice(0, listed.length);
    this.pendingParts.set(d.disbursementId, owed.slice(listed.length));
    d.allocations.push(...listed);
    const same =
      listed.length === expected.length &&
      listed.every(
        (a, i) => a.donationId === expected[i]!.donationId && a.amount === expected[i]!.amount,
      );
    if (!same) {
      this.violate(
        index,
        'allocation_not_fifo',
        `disbursement ${d.disbursementId} lists allocations that differ from the oldest unallocated donations`,
      );
    }
    if (d.partsSeen === d.parts) {
      const sum = d.allocations.reduce((s, a) => s + a.amount, 0);
      if (sum !== d.amount) {
        this.violate(
          index,
          'allocation_sum_mismatch',
          `disbursement ${d.disbursementId} allocates ${sum} of ${d.amount}`,
        );
      }
      this.pendingParts.delete(d.disbursementId);
    }
  }

  private consume(p: ProjectBooks, allocations: Allocation[]) {
    const queue = this.queues.get(p.projectId)!;
    let drop = 0;
    for (const a of allocations) {
      const item = queue.items.find((q) => q.donationId === a.donationId)!;
      item.remaining -= a.amount;
      if (item.remaining === 0) drop++;
      this.donations.get(a.donationId)!.allocated += a.amount;
    }
    // FIFO consumes from the front, so the exhausted items are exactly the first `drop`.
    if (drop) queue.items.splice(0, drop);
    const sum = allocations.reduce((s, a) => s + a.amount, 0);
    p.allocated += sum;
    p.unspent -= sum;
  }

  private acknowledged(index: number, data: Data<'funds.acknowledged'>) {
    const id = str(data, 'disbursementId');
    const d = this.disbursements.get(id);
    if (!d) {
      this.violate(index, 'unknown_disbursement', `acknowledgement of unknown disbursement ${id}`);
      return;
    }
    if (d.acknowledgedIndex !== null) {
      this.violate(index, 'acknowledged_twice', `disbursement ${id} acknowledged twice`);
      return;
    }
    d.acknowledgedIndex = index;
    this.projects.get(d.projectId)!.confirmed += d.amount;
  }
}

/**
 * The invariants every project's books must satisfy: received (after refunds, plus what the
 * charity owes for refunds of money it had spent) = allocated + unspent, allocated =
 * disbursed, and no donation allocated beyond its amount.
 */
export function checkInvariants(books: Pick<Books, 'projects' | 'donations'>): string[] {
  const broken: string[] = [];
  for (const p of books.projects.values()) {
    const received = p.raised - p.refunded + p.owed;
    if (received !== p.allocated + p.unspent) {
      broken.push(
        `project ${p.projectId}: received ${received} ≠ allocated ${p.allocated} + unspent ${p.unspent}`,
      );
    }
    if (p.allocated !== p.disbursed) {
      broken.push(`project ${p.projectId}: allocated ${p.allocated} ≠ disbursed ${p.disbursed}`);
    }
    if (p.unspent < 0) broken.push(`project ${p.projectId}: unspent ${p.unspent} is negative`);
  }
  for (const d of books.donations.values()) {
    if (d.allocated > d.amount) {
      broken.push(`donation ${d.donationId}: allocated ${d.allocated} > amount ${d.amount}`);
    }
  }
  return broken;
}
