import type { Cause } from '@goodtrace/contract';
import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely's view of the tables; the migrations are the truth, this mirrors them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type PlatformRole = 'admin' | 'auditor';
export type OrgRole = 'owner' | 'editor';
export type OrgStatus = 'pending' | 'verified' | 'rejected';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  display_name: string;
  platform_role: PlatformRole | null;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface OrgsTable {
  id: Generated<string>;
  name: string;
  registration_number: string;
  city: string;
  /** Written only through a request body the contract's Cause checked. */
  cause: Cause;
  contact_email: string;
  contact_phone: string | null;
  website: string | null;
  description: string;
  status: OrgStatus;
  rejection_reason: string | null;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  reviewed_at: Date | null;
  reviewed_by: string | null;
}

export interface OrgMembersTable {
  org_id: string;
  user_id: string;
  role: OrgRole;
  created_at: Generated<Date>;
}

export interface OrgInvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  role: OrgRole;
  invited_by: string;
  created_at: Generated<Date>;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

export interface OrgReviewsTable {
  id: Generated<string>;
  org_id: string;
  decision: 'verified' | 'rejected' | 'resubmitted';
  reason: string | null;
  actor_id: string;
  created_at: Generated<Date>;
}

export interface LedgerOutboxTable {
  id: Generated<string>;
  event_type: string;
  leaf: Uint8Array;
  queued_at: Generated<Date>;
}

/**
 * One sequencer batch: log entries first_idx, first_idx + 1, … are the outbox rows with these
 * ids, in this order (an outbox row is its log entry). last_id is the largest outbox id the
 * batch settled. Read entries through the SQL functions ledger_entries(from, to) and
 * ledger_index_of(outbox_id) (migration 2026-11-27-08).
 */
export interface LedgerBatchesTable {
  first_idx: Int8;
  last_id: Int8;
  outbox_ids: string[];
  sequenced_at: Timestamp;
}

export interface LedgerTilesTable {
  level: number;
  idx: string;
  /** The tile's hashes (tree level 8·level), as C2SP tlog-tiles serves them. */
  data: Uint8Array;
  /** The nodes 4 levels above those: one per 16 hashes of `data` (tile-store.ts). */
  mid: Generated<Uint8Array>;
}

export interface LedgerStateTable {
  id: number;
  origin: string;
  verifier_key: string;
  tree_size: string;
  compact_range: Uint8Array;
  root_hash: Uint8Array;
  checkpoint: string;
  updated_at: Timestamp;
  /** Every outbox id up to this one is on the log, or never committed. */
  sequenced_through: Int8Default;
  /** Every transaction that drew an outbox id up to this one has ended. */
  settled_through: Int8Default;
  /** The epochs up to this one have no transaction left. */
  epoch_closed: Int8Default;
  /** The open round: the epoch to close, and the last id drawn before it was closed. */
  round_epoch: ColumnType<string | null, string | null | undefined, string | null>;
  round_horizon: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface LedgerCheckpointsTable {
  tree_size: string;
  root_hash: Uint8Array;
  checkpoint: string;
  created_at: Timestamp;
}

export interface LedgerCosignaturesTable {
  tree_size: string;
  witness: string;
  signature_line: string;
  created_at: Timestamp;
}

export interface LedgerWitnessStateTable {
  witness: string;
  tree_size: string;
  updated_at: Timestamp;
  last_error: string | null;
}

/** Evidence that a witness holds another history of the log (witness-client.ts). */
export interface LedgerAlarmsTable {
  id: Generated<string>;
  /** One of ALARM_KINDS (ledger/witness-client.ts). */
  kind: string;
  witness: string;
  /** The size the witness holds that contradicts the log. */
  tree_size: string;
  detail: string;
  created_at: Generated<Date>;
}

/** bigint columns come back as strings (pg's choice, on both stores); money is fen. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
/** An Int8 column with a default. (Int8Default would nest two ColumnTypes.) */
type Int8Default = ColumnType<
  string,
  string | number | bigint | undefined,
  string | number | bigint
>;
/** A SQL `date`, kept as 'YYYY-MM-DD' (database.ts turns off pg's local-midnight Date). */
type DateOnly = ColumnType<string, string, string>;

export type ProjectStatus = 'draft' | 'published' | 'closed';
export type DonationStatus = 'pending' | 'paid' | 'failed' | 'refunded';
export type BeneficiaryKind = 'school' | 'person' | 'supplier';
export type EvidenceKind = 'invoice' | 'receipt' | 'photo';
export type MediaType = 'application/pdf' | 'image/jpeg' | 'image/png';

export interface FilesTable {
  sha256: string;
  media_type: MediaType;
  size: number;
  uploaded_by: string | null;
  created_at: Generated<Date>;
}

/** Who may cite a file: a charity that uploaded it, or the acknowledgement it is the photo of. */
export interface FileOwnersTable {
  sha256: string;
  org_id: string | null;
  disbursement_id: string | null;
  uploaded_by: string | null;
  created_at: Generated<Date>;
}

export interface ProjectsTable {
  id: Generated<string>;
  org_id: string;
  title: string;
  summary: string;
  story: string;
  /** Written only through a request body the contract's Cause checked. */
  cause: Cause;
  city: string;
  region: string;
  beneficiary_description: string;
  goal_amount: Int8;
  currency: string;
  start_date: DateOnly;
  end_date: DateOnly;
  cover_sha256: string | null;
  status: ProjectStatus;
  disbursed: Int8Default;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  published_at: Timestamp | null;
}

export interface ProjectBudgetLinesTable {
  id: Generated<string>;
  project_id: string;
  position: number;
  label: string;
  amount: Int8;
  removed: Generated<boolean>;
}

export interface ProjectFundsTable {
  project_id: string;
  shard: number;
  raised: Int8Default;
  refunded: Int8Default;
  /** The spent part of refunded donations: what the charity owes (2026-12-08-10). */
  owed: Int8Default;
  donations: Generated<number>;
  balance: Int8Default;
}

export interface BeneficiariesTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  kind: BeneficiaryKind;
  region: string;
  created_at: Generated<Date>;
}

export interface RecurringDonationsTable {
  id: Generated<string>;
  project_id: string;
  donor_user_id: string | null;
  donor_email: string | null;
  amount: Int8;
  currency: string;
  display_name: string | null;
  anonymous: boolean;
  next_charge_at: Timestamp;
  status: 'pending' | 'active' | 'stopped';
  created_at: Generated<Date>;
  stopped_at: Timestamp | null;
}

export interface DonationsTable {
  id: Generated<string>;
  project_id: string;
  org_id: string;
  amount: Int8;
  currency: string;
  status: DonationStatus;
  donor_user_id: string | null;
  donor_email: string | null;
  display_name: string | null;
  anonymous: boolean;
  message: string | null;
  recurring_id: string | null;
  idempotency_key: string;
  request_hash: string;
  provider: string;
  provider_ref: string | null;
  checkout_url: string | null;
  client_secret: string | null;
  shard: number;
  donor_secret: Uint8Array;
  access_token_hash: string;
  paid_seq: Int8 | null;
  paid_at: Timestamp | null;
  allocated: Int8Default;
  outbox_id: Int8 | null;
  refund_reason: string | null;
  refunded_at: Timestamp | null;
  refund_outbox_id: Int8 | null;
  created_at: Generated<Date>;
}

export interface DisbursementsTable {
  id: Generated<string>;
  project_id: string;
  org_id: string;
  budget_line_id: string;
  beneficiary_id: string;
  amount: Int8;
  currency: string;
  purpose: string;
  paid_on: DateOnly;
  created_by: string;
  created_at: Generated<Date>;
  outbox_id: Int8;
  ack_code_hash: string;
  acknowledged_at: Timestamp | null;
  ack_note: string | null;
  ack_photo_sha256: string | null;
  ack_outbox_id: Int8 | null;
}

export interface DisbursementEvidenceTable {
  disbursement_id: string;
  sha256: string;
  kind: EvidenceKind;
  position: number;
}

export interface AllocationsTable {
  disbursement_id: string;
  donation_id: string;
  amount: Int8;
  position: number;
  outbox_id: Int8;
}

export interface ProjectEventsTable {
  project_id: string;
  outbox_id: Int8;
  event_type: string;
  at: Timestamp;
}

export interface PaymentEventsTable {
  provider: string;
  event_id: string;
  kind: string;
  donation_id: string | null;
  /** A PaymentOutcome once settled ('pending' only inside the transaction that records it). */
  outcome: string;
  received_at: Generated<Date>;
}

export type FindingSeverity = 'low' | 'medium' | 'high';
export type FindingStatus = 'open' | 'answered' | 'closed';

/** An auditor's finding on a charity or one of its disbursements (audit/findings.ts). */
export interface FindingsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string | null;
  disbursement_id: string | null;
  title: string;
  body: string;
  severity: FindingSeverity;
  status: FindingStatus;
  filed_by: string;
  created_at: Timestamp;
  outbox_id: Int8;
  closed_at: Timestamp | null;
  closed_by: string | null;
  closed_outbox_id: Int8 | null;
}

export interface FindingAnswersTable {
  id: Generated<string>;
  finding_id: string;
  body: string;
  answered_by: string;
  created_at: Timestamp;
  outbox_id: Int8;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  orgs: OrgsTable;
  org_members: OrgMembersTable;
  org_invitations: OrgInvitationsTable;
  org_reviews: OrgReviewsTable;
  ledger_outbox: LedgerOutboxTable;
  ledger_batches: LedgerBatchesTable;
  ledger_tiles: LedgerTilesTable;
  ledger_state: LedgerStateTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  ledger_cosignatures: LedgerCosignaturesTable;
  ledger_witness_state: LedgerWitnessStateTable;
  ledger_alarms: LedgerAlarmsTable;
  files: FilesTable;
  file_owners: FileOwnersTable;
  projects: ProjectsTable;
  project_budget_lines: ProjectBudgetLinesTable;
  project_funds: ProjectFundsTable;
  beneficiaries: BeneficiariesTable;
  recurring_donations: RecurringDonationsTable;
  donations: DonationsTable;
  disbursements: DisbursementsTable;
  disbursement_evidence: DisbursementEvidenceTable;
  allocations: AllocationsTable;
  project_events: ProjectEventsTable;
  payment_events: PaymentEventsTable;
  findings: FindingsTable;
  finding_answers: FindingAnswersTable;
}

export type User = Selectable<UsersTable>;
export type Org = Selectable<OrgsTable>;
