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
  cause: string;
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

export interface LedgerEntriesTable {
  idx: string;
  outbox_id: string;
  event_type: string;
  leaf: Uint8Array;
  queued_at: Timestamp;
  sequenced_at: Timestamp;
}

export interface LedgerTilesTable {
  level: number;
  idx: string;
  data: Uint8Array;
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

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  orgs: OrgsTable;
  org_members: OrgMembersTable;
  org_invitations: OrgInvitationsTable;
  org_reviews: OrgReviewsTable;
  ledger_outbox: LedgerOutboxTable;
  ledger_entries: LedgerEntriesTable;
  ledger_tiles: LedgerTilesTable;
  ledger_state: LedgerStateTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  ledger_cosignatures: LedgerCosignaturesTable;
  ledger_witness_state: LedgerWitnessStateTable;
}

export type User = Selectable<UsersTable>;
export type Org = Selectable<OrgsTable>;
