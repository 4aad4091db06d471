import type { LedgerEvent } from '@goodtrace/ledger';

/**
 * The events Goodtrace puts on its log, one builder per type, so every writer produces the
 * same shape. Events carry no personal data: organisations appear by their public
 * registration, people never by name or email.
 */
export function orgVerifiedEvent(
  org: { id: string; name: string; registration_number: string; city: string; cause: string },
  at: Date,
): LedgerEvent {
  return {
    type: 'org.verified',
    v: 1,
    at: at.toISOString(),
    data: {
      orgId: org.id,
      name: org.name,
      registrationNumber: org.registration_number,
      city: org.city,
      cause: org.cause,
    },
  };
}
