/**
 * Every error the API returns has a stable machine code and one HTTP status, declared here
 * and nowhere else. docs/errors.md lists them for clients; a test checks the two agree.
 * Responses look like `{"error":{"code":"…","message":"…"}}`.
 */
export const errorTable = {
  // 400: the request itself is malformed
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the expected shape.' },
  invalid_text: {
    status: 400,
    message: 'Text must be well-formed Unicode (UTF-8, no lone surrogates) without NUL characters.',
  },
  malformed_request: { status: 400, message: 'The HTTP request could not be parsed.' },
  weak_password: {
    status: 400,
    message: 'The password is too weak: use at least 10 characters, not a common password.',
  },
  currency_not_supported: { status: 400, message: 'Only CNY is accepted.' },
  invalid_amount: {
    status: 400,
    message: 'An amount is a whole number of fen (¥1.00 = 100) between 1 and 10,000,000,000.',
  },
  invalid_budget: { status: 400, message: 'The budget lines are not valid.' },
  invalid_dates: { status: 400, message: 'The dates are not valid.' },
  invalid_cover: {
    status: 400,
    message: 'The cover must be a JPEG or PNG image this charity uploaded.',
  },
  budget_reason_required: {
    status: 400,
    message: 'A published project’s budget changes in public: give the reason.',
  },
  idempotency_key_required: {
    status: 400,
    message: 'Send an Idempotency-Key header (8–100 characters) so a retry cannot charge twice.',
  },
  guest_email_required: { status: 400, message: 'A guest donor gives an email for the receipt.' },
  invalid_evidence: {
    status: 400,
    message: 'Evidence must be uploaded files of this charity, each listed once.',
  },
  payment_signature_invalid: {
    status: 400,
    message: 'The payment callback is not signed by the payment provider.',
  },
  file_empty: { status: 400, message: 'The evidence file is empty.' },
  disbursement_not_in_charity: {
    status: 400,
    message: 'This disbursement belongs to another charity.',
  },
  // 401 / 403: who you are and what you may do
  unauthenticated: { status: 401, message: 'Sign in first.' },
  invalid_credentials: { status: 401, message: 'The email or password is wrong.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  csrf_failed: {
    status: 403,
    message: 'Missing or wrong CSRF token: send the X-CSRF-Token header from your session.',
  },
  // 404
  not_found: { status: 404, message: 'Not found.' },
  log_size_unknown: { status: 404, message: 'The log signed no checkpoint of this tree size.' },
  invalid_token: { status: 404, message: 'This link is not valid.' },
  // 409: the request conflicts with the current state
  org_not_verified: {
    status: 409,
    message: 'The charity must be verified before it publishes projects.',
  },
  project_published: { status: 409, message: 'This project is already published.' },
  project_closed: { status: 409, message: 'This project is closed.' },
  project_not_open: { status: 409, message: 'This project is not open for donations.' },
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was already used for a different request.',
  },
  insufficient_funds: {
    status: 409,
    message: 'The project’s unspent balance is smaller than this amount.',
  },
  already_acknowledged: {
    status: 409,
    message: 'This disbursement’s receipt was already confirmed.',
  },
  monthly_not_active: { status: 409, message: 'This monthly donation is not active.' },
  email_taken: { status: 409, message: 'An account with this email already exists.' },
  registration_number_taken: {
    status: 409,
    message: 'A charity with this registration number is already registered.',
  },
  org_not_pending: { status: 409, message: 'This charity is not awaiting verification.' },
  org_not_rejected: { status: 409, message: 'Only a rejected charity can be resubmitted.' },
  already_member: { status: 409, message: 'This person is already a member of the charity.' },
  invitation_not_open: { status: 409, message: 'This invitation was already used or withdrawn.' },
  last_owner: { status: 409, message: 'A charity must keep at least one owner.' },
  finding_closed: {
    status: 409,
    message: 'This finding is closed: it can no longer be answered or closed again.',
  },
  // 408, 413, 415, 417, 429, 431
  request_timeout: { status: 408, message: 'The request took too long to arrive.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  file_too_large: { status: 413, message: 'The evidence file is too large.' },
  file_type_not_allowed: { status: 415, message: 'Evidence must be a PDF, JPEG or PNG file.' },
  file_type_mismatch: {
    status: 415,
    message: 'The file’s content does not match its Content-Type.',
  },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  expectation_failed: { status: 417, message: 'The server cannot meet the Expect header.' },
  rate_limited: { status: 429, message: 'Too many attempts: wait a little and try again.' },
  header_too_large: { status: 431, message: 'The request’s headers are too large.' },
  payment_provider_unavailable: {
    status: 502,
    message: 'The payment provider could not be reached; nothing was charged. Try again.',
  },
  // 5xx
  internal: { status: 500, message: 'Something went wrong on our side.' },
  not_ready: { status: 503, message: 'The service is starting or its database is unavailable.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorTable;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? errorTable[code].message);
    this.name = 'AppError';
    this.status = errorTable[code].status;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(code: ErrorCode, message?: string, details?: unknown): ErrorBody {
  const error: ErrorBody['error'] = { code, message: message ?? errorTable[code].message };
  if (details !== undefined) error.details = details;
  return { error };
}
