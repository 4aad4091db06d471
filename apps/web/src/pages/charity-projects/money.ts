import { formatFen as formatFenIn, type ParsedAmount } from '../../money';

/**
 * The charity pages use the app's money helpers (src/money.ts: exact yuan↔fen, no floats);
 * only what they add is here.
 */
export { parseYuan } from '../../money';

/** Why a typed amount was refused. */
export type YuanError = Extract<ParsedAmount, { ok: false }>['reason'];

/** fen → "¥1,234.50", grouped the same way in both languages of the charity pages. */
export function formatFen(fen: number): string {
  return formatFenIn(fen, 'en-US');
}

/** fen → "1234.50" for a form field (no grouping, so it parses back as typed). */
export function fenToYuanInput(fen: number): string {
  const cents = fen % 100;
  return `${(fen - cents) / 100}.${String(cents).padStart(2, '0')}`;
}
