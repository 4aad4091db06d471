/**
 * Every error the API returns has a stable machine code and one HTTP status, declared here
 * and nowhere else. docs/errors.md lists them for clients; a test checks the two agree.
 * Responses look like `{"error":{"code":"…","message":"…"}}`.
 */
export const errorTable = {
  // 400: the request itself is malformed
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the expected shape.' },
  weak_password: {
    status: 400,
    message: 'The password is too weak: use at least 10 characters, not a common password.',
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
  // 409: the request conflicts with the current state
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
  // 413, 415, 429
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  rate_limited: { status: 429, message: 'Too many attempts: wait a little and try again.' },
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
