// The English lines `goodtrace verify` prints for a verification made by @goodtrace/verify (the
// same checks, in the same order, as the donor's page shows): one line per check with ✓ or ✗,
// what the receipt's event says, and a verdict. Nothing here decides anything.

import type { LedgerErrorCode } from '@goodtrace/ledger';
import type { Check, CheckName, FactReason, FactResult, Vars } from '@goodtrace/verify';
import { describeEvent, formatAmount } from './format.js';

const money = (v: Vars, key = 'amount') =>
  typeof v[key] === 'number' ? formatAmount(v[key] as number, String(v.currency ?? 'CNY')) : '?';

/** What each check is about, as a line's label. */
const LABEL: Record<CheckName, (v: Vars) => string> = {
  receipt: () => 'receipt file',
  logSignature: (v) => `log signature by ${v.key}`,
  origin: (v) => `checkpoint origin ${v.origin}`,
  witnesses: (v) =>
    v.k === undefined
      ? `witness cosignatures (quorum ${v.quorum} of ${v.n})`
      : `${v.k} of ${v.n} witness cosignatures`,
  inclusion: (v) => `inclusion of leaf ${v.index} in tree ${v.size}`,
  event: (v) => `donation.received for donation ${v.donationId}`,
  donor: (v) => `donor commitment for donation ${v.donationId}`,
  allocation: (v) => `allocation of ${money(v)} from donation ${v.donationId}`,
  details: () => 'disbursement details as shown',
  acknowledgement: () => "beneficiary's confirmation",
  unspent: (v) => `unspent ${money(v)}`,
};

/** What a passed check found, when there is more to say than its label. */
function found(c: Check): string | undefined {
  const v = c.vars ?? {};
  switch (c.name) {
    case 'logSignature':
      return `key ID ${v.keyId}`;
    case 'witnesses':
      return v.n === 0
        ? 'no witness trusted'
        : `quorum ${v.quorum}${v.names ? `: ${v.names}` : ''}`;
    case 'inclusion':
      return `leaf hash ${v.leafHash}, root ${v.root}`;
    case 'event':
      return v.amount === undefined ? undefined : money(v);
    case 'donor':
      return 'SHA-256(secret ‖ donation id) matches the logged donor';
    default:
      return undefined;
  }
}

/** This package's reasons, in English. */
const FACT_TEXT: Record<FactReason, (v: Vars) => string> = {
  no_receipt: () => 'there is no receipt yet: the event waits for the log',
  wrong_event_type: () => 'the receipt is for another kind of event',
  wrong_donation: (v) => `the receipt is not for donation ${v.donationId}`,
  wrong_amount: () => 'the logged amount differs',
  wrong_currency: () => 'the logged currency differs',
  wrong_project: () => 'the receipt is for another project',
  wrong_disbursement: () => 'the receipt is for another disbursement',
  allocation_missing: () => 'the disbursement does not list this donation',
  details_mismatch: (v) => `the ${v.field} shown is not the logged one`,
  bad_secret: () => 'the donor secret is not 32 bytes in hex (64 hex digits)',
  commitment_mismatch: () =>
    'the event does not commit to this secret: the donation is not proven to be yours',
  photo_mismatch: () => 'the photo is not the logged one',
  sum_mismatch: () => 'the logged amounts do not add up to it',
  unverified_part: () => 'a fact it is computed from did not verify',
};

/** What a ledger failure means for the reader, beside the ledger's own words. */
const HINT: Partial<Record<LedgerErrorCode, string>> = {
  root_mismatch: 'the event or the proof was altered, or the receipt is from another log',
  tree_size_mismatch: 'the proof is for another tree than the checkpoint',
  log_signature_missing: 'the receipt is not from the log this key signs',
  origin_mismatch: 'the receipt is from another log',
  invalid_signature: 'a signature that does not verify: forged, or made over another checkpoint',
  quorum_not_met: 'not final yet: fewer witnesses than the quorum have cosigned',
};

function why(c: Check): string {
  if (c.ok) return found(c) ?? '';
  const hint = HINT[c.reason as LedgerErrorCode];
  if (c.message !== undefined) return hint ? `${c.message} (${hint})` : c.message;
  const text = FACT_TEXT[c.reason as FactReason];
  return text ? text(c.vars ?? {}) : c.reason;
}

/** One line per check made: ✓ or ✗, what was checked, and what was found or why it failed. */
export function checkLines(result: FactResult): string[] {
  return result.checks.map((c) => {
    const detail = why(c);
    return `${c.ok ? '✓' : '✗'} ${LABEL[c.name](c.vars ?? {})}${detail ? `: ${detail}` : ''}`;
  });
}

/** What the receipt's event says, once its inclusion held. */
export function eventLine(result: FactResult): string | undefined {
  return result.entry && `  event ${describeEvent(result.entry.event)}`;
}

/** The last line: VALID only when every check passed. */
export function verdictLine(result: FactResult): string {
  switch (result.state) {
    case 'verified':
      return 'VALID';
    case 'failed':
      return 'INVALID';
    case 'waiting':
      return result.reason === 'quorum_not_met'
        ? 'NOT YET VALID: fewer witnesses than the quorum have cosigned this checkpoint; ' +
            'fetch the receipt again once they have'
        : 'NOT YET VALID: the event is not on the log yet';
  }
}
