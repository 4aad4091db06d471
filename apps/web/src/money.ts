/**
 * Money in the web app: the API counts integer fen (¥50.00 is 5000) and so does everything
 * here. Amounts are never divided into floats: the yuan part and the fen part are formatted
 * and parsed separately, so ¥0.10 + ¥0.20 is exactly 30 fen.
 */

/** The largest amount the API accepts (apps/server/src/projects/money.ts): ¥100,000,000. */
export const MAX_FEN = 10_000_000_000;

const formats = new Map<string, Intl.NumberFormat>();

function formatFor(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    // narrowSymbol: "¥" in English too (the default there is "CN¥").
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    formats.set(key, format);
  }
  return format;
}

/**
 * An amount in fen as people of `locale` read it: ¥1,234.50. The whole yuan go through Intl
 * (grouping, symbol, sign) and the two fen digits are put in its fraction slot as they are.
 */
export function formatFen(fen: number, locale: string, currency = 'CNY'): string {
  if (!Number.isSafeInteger(fen)) return '—';
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  const parts = formatFor(locale, currency).formatToParts(whole);
  let out = '';
  let sawFraction = false;
  for (const part of parts) {
    if (part.type === 'fraction') {
      out += cents;
      sawFraction = true;
    } else out += part.value;
  }
  // A currency Intl formats without decimals would lose the fen: say them anyway.
  if (!sawFraction && abs % 100 !== 0) out += `.${cents}`;
  return negative ? `-${out}` : out;
}

/** A whole-yuan amount without the fen when they are zero (for chips): ¥50. */
export function formatYuanShort(fen: number, locale: string, currency = 'CNY'): string {
  const full = formatFen(fen, locale, currency);
  return fen % 100 === 0 ? full.replace(/[.,]00(?=\D*$)/, '') : full;
}

const FULL_WIDTH_DIGITS = /[０-９]/g;

export type ParsedAmount =
  | { ok: true; fen: number }
  | { ok: false; reason: 'empty' | 'format' | 'too_small' | 'too_large' };

/**
 * Reads an amount typed in yuan ("50", "50.5", "1,234.50", "¥20", "２０" from a Chinese input
 * method) into fen, exactly: the digits are read as text, never through a float.
 */
export function parseYuan(input: string): ParsedAmount {
  const text = input
    .replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.')
    .replace(/[\s,，]/g, '')
    .replace(/^[¥￥]/, '');
  if (text === '') return { ok: false, reason: 'empty' };
  const match = /^(\d{1,12})(?:\.(\d{0,2}))?$/.exec(text);
  if (!match) return { ok: false, reason: 'format' };
  const yuan = Number(match[1]);
  const fen = yuan * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (fen < 1) return { ok: false, reason: 'too_small' };
  if (fen > MAX_FEN) return { ok: false, reason: 'too_large' };
  return { ok: true, fen };
}

/** Percent of `part` in `whole`, for progress bars: 0–100, never NaN. */
export function percentOf(part: number, whole: number): number {
  if (!(whole > 0) || !(part > 0)) return 0;
  return Math.min(100, (part / whole) * 100);
}
