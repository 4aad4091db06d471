/**
 * @goodtrace/contract: what the server answers and accepts, and what it writes on its log, as
 * TypeBox schemas (JSON Schema the server validates, serialises and documents with) and their
 * TypeScript types (what the web app, the books and the CLI read). One module per context.
 * Pure: TypeBox only, no I/O, runs anywhere.
 */
export * from './accounts.js';
export * from './audit.js';
export * from './books.js';
export * from './donations.js';
export * from './errors.js';
export * from './events.js';
export * from './files.js';
export * from './health.js';
// The lists' values; their types are the schemas' (Cause, AnomalyCode, Severity, AlarmKind).
export {
  ALARM_KINDS,
  ANOMALY_CODES,
  causes,
  FINDING_BODY_MAX,
  FINDING_TITLE_MAX,
  PASSWORD_MAX_LENGTH,
  severities,
} from './lists.js';
export * from './log.js';
export * from './orgs.js';
export * from './projects.js';
export * from './spending.js';
export * from './values.js';
