const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value can be compared with a `uuid` column: anything else makes PostgreSQL refuse
 * the whole statement. For ids that come from outside (a provider's callback, an event's data).
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
