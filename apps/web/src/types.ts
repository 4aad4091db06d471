/** The shapes the API returns (see the server's OpenAPI at /api/docs). */

export type PlatformRole = 'admin' | 'auditor';
export type OrgRole = 'owner' | 'editor';
export type OrgStatus = 'pending' | 'verified' | 'rejected';

export interface User {
  id: string;
  email: string;
  displayName: string;
  platformRole: PlatformRole | null;
}

export interface SessionResponse {
  user: User | null;
  csrfToken: string | null;
}

export interface Org {
  id: string;
  name: string;
  registrationNumber: string;
  city: string;
  cause: string;
  contactEmail: string;
  contactPhone: string | null;
  website: string | null;
  description: string;
  status: OrgStatus;
  createdAt: string;
  reviewedAt: string | null;
  rejectionReason?: string | null;
  myRole?: OrgRole | null;
}

/** The fields a charity's form edits. */
export interface OrgInput {
  name: string;
  registrationNumber: string;
  city: string;
  cause: string;
  contactEmail: string;
  contactPhone: string | null;
  website: string | null;
  description: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Review {
  decision: 'verified' | 'rejected' | 'resubmitted';
  reason: string | null;
  at: string;
}

export interface Member {
  userId: string;
  email: string;
  displayName: string;
  role: OrgRole;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  orgId: string;
  orgName: string;
  email: string;
  role: OrgRole;
  invitedBy: string;
  createdAt: string;
}

export interface MembersResponse {
  members: Member[];
  invitations: Invitation[];
}

/** GET /api/log: the log's identity and its latest checkpoint (a signed note). */
export interface LogInfo {
  origin: string;
  verifierKey: string;
  treeSize: number;
  /** Base64 of the 32-byte root hash. */
  rootHash: string;
  /** The signed note, with any witness cosignature lines. */
  checkpoint: string;
  /** How many of the witnesses must cosign a checkpoint before receipts use it (k of n). */
  quorum?: number;
  witnesses: LogWitness[];
}

/** A witness as /api/log names it; its cosignature is checked in the browser with `verifierKey`. */
export interface LogWitness {
  name: string;
  url: string;
  /** Its cosignature/v1 verifier key (name+id+base64). */
  verifierKey: string;
  /** The server's own view; the page checks the cosignature itself instead. */
  cosigned: boolean;
}

/** An event as it is on the log (its RFC 8785 canonical JSON is the leaf). */
export interface LogEvent {
  type: string;
  v: number;
  at: string;
  data: { [key: string]: unknown };
}

/** GET /api/log/entries/:index, and each item of GET /api/log/entries */
export interface LogEntry {
  index: number;
  event: LogEvent;
  leafHash: string;
  queuedAt: string;
  sequencedAt: string;
}

/** GET /api/log/entries?from=&limit= (oldest first) */
export interface LogEntries {
  treeSize: number;
  items: LogEntry[];
}

/** GET /api/log/proofs/inclusion */
export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  checkpoint: string;
}

/** GET /api/log/proofs/consistency */
export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
  oldCheckpoint: string;
  newCheckpoint: string;
}

// projects & donations (donor side): the shapes of docs/money.md's public and donor API.
// Every amount is integer fen; currency is 'CNY'.

export interface Money {
  amount: number;
  currency: string;
}

/** An item of GET /api/projects. */
export interface ProjectSummary {
  id: string;
  orgId: string;
  orgName: string;
  title: string;
  summary: string;
  cause: string;
  city: string;
  region: string;
  goal: Money;
  /** Paid donations less refunds. */
  raised: number;
  spent: number;
  /** Spent and confirmed by the beneficiary. */
  confirmed: number;
  unspent: number;
  donations: number;
  startDate: string;
  endDate: string;
  coverUrl: string | null;
  status: 'draft' | 'published' | 'closed';
  publishedAt: string | null;
}

export interface ProjectBudgetLine {
  id: string;
  label: string;
  amount: number;
  spent: number;
  removed: boolean;
}

export interface ProjectFlow {
  raised: number;
  refunded: number;
  allocated: number;
  spent: number;
  confirmed: number;
  unspent: number;
  overdue: { count: number; amount: number };
}

export interface ProjectLogEvent {
  type: string;
  at: string;
  outboxId: string;
  /** Its index on the log, or null while it waits for the sequencer. */
  index: number | null;
}

/** GET /api/projects/:projectId */
export interface ProjectDetail extends ProjectSummary {
  story: string;
  beneficiaryDescription: string;
  budget: ProjectBudgetLine[];
  flow: ProjectFlow;
  events: ProjectLogEvent[];
}

/** An item of GET /api/projects/:projectId/donations */
export interface PublicDonation {
  receiptId: string;
  amount: number;
  currency: string;
  status: 'paid' | 'refunded';
  anonymous: boolean;
  displayName: string | null;
  message: string | null;
  monthly: boolean;
  paidAt: string;
}

export interface EvidenceFile {
  sha256: string;
  kind: string;
  mediaType: string;
  size: number;
  url: string;
}

export interface Acknowledgement {
  at: string;
  note: string | null;
  photoUrl: string | null;
  outboxId: string;
}

/** An item of GET /api/projects/:projectId/disbursements */
export interface Disbursement {
  id: string;
  projectId: string;
  projectTitle: string;
  amount: number;
  currency: string;
  purpose: string;
  /** The day it was paid (YYYY-MM-DD). */
  date: string;
  createdAt: string;
  budgetLine: { id: string; label: string };
  payee: { id: string; kind: string; region: string; name: string | null };
  evidence: EvidenceFile[];
  outboxId: string;
  acknowledgement: Acknowledgement | null;
  overdue: boolean;
}

/** POST /api/projects/:projectId/donations */
export interface DonationRequestBody {
  amount: number;
  currency: 'CNY';
  frequency: 'once' | 'monthly';
  anonymous: boolean;
  displayName?: string | null;
  message?: string | null;
  email?: string | null;
}

export interface DonationStarted {
  created: boolean;
  donation: {
    id: string;
    projectId: string;
    amount: number;
    currency: string;
    status: string;
    frequency: 'once' | 'monthly';
  };
  payment: {
    provider: string;
    testMode: boolean;
    checkoutUrl: string | null;
    clientSecret: string | null;
  };
  accessToken: string;
}

export type DonationStatus = 'pending' | 'paid' | 'failed' | 'refunded' | (string & {});

/** GET /api/donations/:donationId?token= — the donor's own view. */
export interface DonorDonation {
  id: string;
  projectId: string;
  projectTitle: string;
  orgId: string;
  orgName: string;
  amount: number;
  currency: string;
  status: DonationStatus;
  anonymous: boolean;
  displayName: string | null;
  message: string | null;
  email: string | null;
  provider: string;
  checkoutUrl: string | null;
  monthly: { id: string; status: string; nextChargeAt: string } | null;
  createdAt: string;
  paidAt: string | null;
  paidSeq: number | null;
  allocated: number;
  unspent: number;
  refund: { at: string; reason: string | null } | null;
  outboxId: string | null;
  /** The donor's proof of ownership: the log holds only SHA-256(secret ‖ donation id). */
  donor: { secret: string; commitment: string };
}

/** A ledger receipt (packages/ledger `Receipt`), as JSON. */
export interface LedgerReceipt {
  version: 1;
  event: LogEvent;
  leafIndex: number;
  treeSize: number;
  inclusionProof: string[];
  checkpoint: string;
}

/** GET /api/donations/:donationId/trace?token= — where the money went, with receipts. */
export interface DonationTrace {
  donation: DonorDonation & { receipt: LedgerReceipt | null };
  allocations: {
    amount: number;
    disbursement: Disbursement & { receipt: LedgerReceipt | null };
    acknowledgement: (Acknowledgement & { receipt: LedgerReceipt | null }) | null;
  }[];
  unspent: number;
}

/** An item of GET /api/my/donations (newest first; failed payments left out). */
export interface MyDonation {
  id: string;
  projectId: string;
  projectTitle: string;
  amount: number;
  currency: string;
  status: DonationStatus;
  /** How much of it has been allocated to disbursements. */
  spent: number;
  createdAt: string;
  paidAt: string | null;
  /** The monthly donation's status ('pending', 'active', 'stopped'…), or null for a one-off. */
  monthly: string | null;
}
