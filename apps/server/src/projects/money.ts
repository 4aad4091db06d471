import { AppError } from '../errors.js';

/** The only currency accepted today; amounts are integers of its minor unit (fen). */
export const CURRENCY = 'CNY';

/** ¥100,000,000.00: far above any real gift, far below where fen stop being exact in JSON. */
export const MAX_AMOUNT = 10_000_000_000;

/** How many rows a project's money is spread over (docs/money.md "Balances without a hot row"). */
export const FUND_SHARDS = 16;

export function checkCurrency(currency: string): void {
  if (currency !== CURRENCY) {
    throw new AppError('currency_not_supported', `Only ${CURRENCY} is accepted, not ${currency}.`);
  }
}

/**
 * Every amount of money the platform accepts — a goal, a budget line, a donation, a
 * disbursement — is a whole number of fen from 1 to MAX_AMOUNT. `what` names it in the error.
 */
export function checkAmount(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
    throw new AppError(
      'invalid_amount',
      `${what} must be a whole number of fen between 1 and ${MAX_AMOUNT}.`,
    );
  }
}

/** bigint columns arrive as strings; every amount we store is below 2^53. */
export function fen(value: string | number | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}
