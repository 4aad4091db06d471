/**
 * The contract's closed lists and limits as plain values, without TypeBox: for code that needs
 * them at run time and not the schema builder (the web app's bundle, the books). The schemas
 * in the other modules are built from these.
 */

/** The causes a charity or a project can declare. Keys are stable; the web app translates them. */
export const causes = [
  'education',
  'poverty',
  'health',
  'children',
  'elderly',
  'disability',
  'environment',
  'disaster_relief',
  'animals',
  'culture',
  'community',
  'other',
] as const;
export type Cause = (typeof causes)[number];

/** The longest password accepted (the shortest is the server's rule, with its own code). */
export const PASSWORD_MAX_LENGTH = 200;

/** Every anomaly code, in the order reports list them (packages/books finds them). */
export const ANOMALY_CODES = [
  /** No funds.acknowledged 30 days after the disbursement. */
  'unconfirmed_disbursement',
  'budget_line_overrun',
  'large_disbursement',
  'round_disbursement',
  'idle_money',
] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

/** How serious an auditor says a finding is. */
export const severities = ['low', 'medium', 'high'] as const;
export type Severity = (typeof severities)[number];

export const FINDING_TITLE_MAX = 200;
export const FINDING_BODY_MAX = 5000;

/**
 * What a fork alarm says a witness did (GET /api/log/alarms; the server's witness client
 * raises them):
 * - witness_ahead: it has cosigned a size beyond any checkpoint this log signed;
 * - proof_rejected: it refused (422) a consistency proof built from our own tree, from the
 *   size it holds;
 * - root_mismatch: it holds a checkpoint of our size with another root (409 on equal sizes);
 * - invalid_cosignature: it answered with a cosignature by its key that does not verify over
 *   our checkpoint;
 * - witness_refused_fork: it refused a checkpoint the log's key signed that is not in this
 *   log's own record (a Goodtrace witness's GET /alarms): someone holding the key showed it
 *   another history.
 */
export const ALARM_KINDS = [
  'witness_ahead',
  'proof_rejected',
  'root_mismatch',
  'invalid_cosignature',
  'witness_refused_fork',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];
