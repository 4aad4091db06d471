// @goodtrace/verify — donor-facing verification, once for the web and the CLI: whom to trust
// (parseTrust, trustFromLog), a receipt's log part (the log's signature, k-of-n witness
// cosignatures, inclusion), the facts a donor is shown (a donation, the allocations of it, the
// beneficiaries' confirmations, what is left), and one result: the checks made, in order, with
// stable reason codes, and the fact's state. Pure and isomorphic: @goodtrace/ledger only, no
// I/O, no Node built-ins, no DOM.

export { verifyCommandLine } from './command-line.js';
export {
  isVerifyError,
  VERIFY_ERROR_CODES,
  VerifyError,
  type VerifyErrorCode,
} from './errors.js';
export {
  type ExpectedAcknowledgement,
  type ExpectedAllocation,
  type ExpectedDonation,
  type ShownDisbursement,
  verifyAcknowledgement,
  verifyAllocation,
  verifyDonation,
  verifyEntry,
} from './facts.js';
export { type LogPart, verifyLogPart } from './log-part.js';
export {
  type DonorProof,
  type ReceiptFile,
  readReceiptFile,
  receiptFile,
  verifyReceiptFile,
} from './receipt-file.js';
export {
  CHECK_NAMES,
  type Check,
  type CheckName,
  FACT_REASONS,
  type FactReason,
  type FactResult,
  type FactState,
  type Reason,
  type Vars,
} from './result.js';
export {
  failTrace,
  sha256OfFileUrl,
  type TraceFacts,
  type TraceInput,
  verifyTrace,
} from './trace.js';
export {
  type LogDescription,
  parseTrust,
  readLogDescription,
  type Trust,
  type TrustInput,
  trustFromLog,
} from './trust.js';
