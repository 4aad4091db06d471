import type { AnomalyCode, Anomaly as BooksAnomaly } from '@goodtrace/books';

/** The auditor's console's API answers (apps/server/src/audit/, docs/ledger.md). */

export interface WitnessHealth {
  name: string;
  url: string | null;
  configured: boolean;
  cosignedSize: number;
  lag: number;
  lastError: string | null;
  updatedAt: string | null;
}

export interface Alarm {
  id: string;
  kind: string;
  witness: string | null;
  treeSize: number | null;
  detail: string;
  createdAt: string;
}

export interface LogHealth {
  treeSize: number;
  checkpointAt: string;
  checkpointAgeSeconds: number;
  cosigned: { treeSize: number; witnesses: string[] } | null;
  witnesses: WitnessHealth[];
  alarms: Alarm[];
}

export { ANOMALY_CODES, type AnomalyCode } from '@goodtrace/books';

/** An anomaly of packages/books, with the names the console shows beside it. */
export interface Anomaly extends BooksAnomaly {
  orgName: string | null;
  projectTitle: string | null;
}

export interface AnomalyList {
  replayed: number;
  total: number;
  counts: Record<AnomalyCode, number>;
  items: Anomaly[];
}

export interface BooksProject {
  id: string;
  title: string | null;
  status: string | null;
  goal: number;
  raised: number;
  refunded: number;
  allocated: number;
  spent: number;
  confirmed: number;
  unspent: number;
  donations: number;
  disbursements: number;
  budget: { id: string; label: string; amount: number; spent: number }[];
}

export interface BooksDisbursement {
  id: string;
  projectId: string;
  projectTitle: string | null;
  amount: number;
  budgetLine: { id: string; label: string | null };
  index: number;
  at: string;
  confirmed: boolean;
  evidence: number;
  purpose: string | null;
  date: string | null;
  payee: { kind: string; region: string; name: string | null } | null;
  overdue: boolean;
}

export interface CharityBooks {
  org: { id: string; name: string; registrationNumber: string };
  replayed: number;
  projects: BooksProject[];
  disbursements: BooksDisbursement[];
}

export type Severity = 'low' | 'medium' | 'high';
export const severities: Severity[] = ['low', 'medium', 'high'];

export interface Finding {
  id: string;
  orgId: string;
  orgName: string;
  project: { id: string; title: string } | null;
  disbursement: { id: string; amount: number; purpose: string; date: string } | null;
  title: string;
  body: string;
  severity: Severity;
  status: 'open' | 'answered' | 'closed';
  filedAt: string;
  outboxId: string;
  closedAt: string | null;
  answers: { id: string; body: string; answeredAt: string; outboxId: string }[];
}

export interface CosignedCheckpoint {
  treeSize: number;
  signedAt: string;
  note: string;
  cosignatures: { witness: string; at: string }[];
}
