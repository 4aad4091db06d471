/**
 * The money API's shapes as the charity's pages and the beneficiary's page use them
 * (apps/server/src/projects/queries.ts, beneficiaries.ts, spending/*). Amounts are fen.
 */

import type { Money, ProjectSummary } from '../../types';

// The project shapes are the donor side's (src/types.ts); the same API answers both.
export type { Money, ProjectSummary } from '../../types';
export type ProjectStatus = ProjectSummary['status'];
export type BeneficiaryKind = 'school' | 'person' | 'supplier';
export type EvidenceKind = 'invoice' | 'receipt' | 'photo';
export type EvidenceMediaType = 'application/pdf' | 'image/jpeg' | 'image/png';

export interface BudgetLine {
  id: string;
  label: string;
  amount: number;
  spent: number;
  /** Dropped from the budget after money was spent from it: kept for the record. */
  removed: boolean;
}

/** GET /api/orgs/:orgId/projects/:projectId (and the answer of create, edit, publish). */
export interface ProjectDetail extends ProjectSummary {
  story: string;
  beneficiaryDescription: string;
  budget: BudgetLine[];
}

/** The body of POST /api/orgs/:orgId/projects (PATCH takes any part of it). */
export interface ProjectInput {
  title: string;
  summary: string;
  story: string;
  cause: string;
  city: string;
  region: string;
  beneficiaryDescription: string;
  goal: Money;
  budget: { id?: string; label: string; amount: number }[];
  startDate: string;
  endDate: string;
  coverSha256?: string | null;
}

export interface Beneficiary {
  id: string;
  name: string;
  kind: BeneficiaryKind;
  region: string;
  createdAt: string;
}

/** POST /api/orgs/:orgId/files */
export interface UploadedFile {
  sha256: string;
  mediaType: EvidenceMediaType;
  size: number;
  url: string;
}

/** The answer of POST …/disbursements: the code is shown once and never again. */
export interface RecordedDisbursement {
  id: string;
  outboxId: string | number;
  allocations: { donationId: string; amount: number }[];
  ackCode: string;
}

/** GET /api/acknowledgements/:code */
export interface Acknowledgement {
  disbursementId: string;
  amount: number;
  currency: string;
  purpose: string;
  date: string;
  projectTitle: string;
  orgName: string;
  payee: { name: string; kind: BeneficiaryKind };
  acknowledgedAt: string | null;
}
