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
