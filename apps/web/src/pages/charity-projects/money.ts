/**
 * Yuan as people type them and fen as the API counts them. The conversion works on the typed
 * digits, never through a float: "0.29" must be 29 fen, not 28.999….
 */

/** ¥100,000,000.00, the server's MAX_AMOUNT. */
export const MAX_FEN = 10_000_000_000;

export type YuanError = 'required' | 'format' | 'tooSmall' | 'tooLarge';

/**
 * "1,234.5", "¥ 80", "０.5" → fen; or why not. At most two decimals; commas, spaces and a
 * leading ¥/￥ are allowed because people paste them from invoices.
 */
export function parseYuan(input: string): { fen: number } | { error: YuanError } {
  const s = input
    .normalize('NFKC')
    .trim()
    .replace(/^[¥￥]\s*/, '')
    .replace(/[,\s]/g, '');
  if (s === '') return { error: 'required' };
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return { error: 'format' };
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  // Longer than MAX_FEN's yuan already: stop before Number loses digits.
  if (whole.length > 9) return { error: 'tooLarge' };
  const cents = (m[2] ?? '').padEnd(2, '0');
  const fen = Number(whole) * 100 + Number(cents);
  if (fen <= 0) return { error: 'tooSmall' };
  if (fen > MAX_FEN) return { error: 'tooLarge' };
  return { fen };
}

/** fen → "1234.50" for a form field (no grouping, so it parses back as typed). */
export function fenToYuanInput(fen: number): string {
  const cents = fen % 100;
  return `${(fen - cents) / 100}.${String(cents).padStart(2, '0')}`;
}

/** fen → "¥1,234.50". */
export function formatFen(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const cents = abs % 100;
  const yuan = String((abs - cents) / 100).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}¥${yuan}.${String(cents).padStart(2, '0')}`;
}
