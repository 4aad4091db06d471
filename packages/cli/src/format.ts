import type { LedgerEvent } from '@goodtrace/ledger';

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
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<
    string,
    unknown
  >;
  const parts = [`${event.type} (v${event.v}) at ${event.at}`];
  if (Number.isSafeInteger(data.amount) && typeof data.currency === 'string') {
    parts.push(formatAmount(data.amount as number, data.currency));
  }
  for (const key of ['donationId', 'disbursementId', 'projectId', 'orgId']) {
    if (typeof data[key] === 'string') parts.push(`${key} ${data[key]}`);
  }
  return parts.join(', ');
}
