import type { EventDataKey } from '@goodtrace/contract';
import type { LedgerEvent } from '@goodtrace/ledger';

/** The ids a line names, as the contract's events call them. */
const ids = [
  'donationId',
  'disbursementId',
  'projectId',
  'orgId',
] as const satisfies readonly EventDataKey[];

/** An amount in fen as people read it: ¥1,234.50 for CNY, "1,234.50 USD" otherwise. */
export function formatAmount(fen: number, currency: string): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return currency === 'CNY' ? `${sign}¥${whole}.${cents}` : `${sign}${whole}.${cents} ${currency}`;
}

/** One line saying what an event records, for the money events of docs/money.md and any other. */
export function describeEvent(event: LedgerEvent): string {
  // Any event, known or not, and not trusted: each member is looked at before it is used.
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as {
    [K in EventDataKey]?: unknown;
  };
  const parts = [`${event.type} (v${event.v}) at ${event.at}`];
  if (Number.isSafeInteger(data.amount) && typeof data.currency === 'string') {
    parts.push(formatAmount(data.amount as number, data.currency));
  }
  for (const key of ids) {
    if (typeof data[key] === 'string') parts.push(`${key} ${data[key]}`);
  }
  return parts.join(', ');
}
