import { describe, expect, test } from 'vitest';
import { formatFen, formatYuanShort, parseYuan, percentOf } from '../src/money.js';

/** Amounts on the donor pages: fen in, fen out, never a float in between. */

describe('formatting fen', () => {
  test('shows yuan and fen with the locale’s grouping and a plain ¥', () => {
    expect(formatFen(123450, 'en')).toBe('¥1,234.50');
    expect(formatFen(123450, 'zh-CN')).toBe('¥1,234.50');
    expect(formatFen(5, 'en')).toBe('¥0.05');
    expect(formatFen(0, 'en')).toBe('¥0.00');
    expect(formatFen(10_000_000_000, 'en')).toBe('¥100,000,000.00');
    expect(formatFen(-250, 'en')).toBe('-¥2.50');
    expect(formatFen(Number.NaN, 'en')).toBe('—');
  });

  test('chips drop .00 but keep real fen', () => {
    expect(formatYuanShort(5000, 'en')).toBe('¥50');
    expect(formatYuanShort(50000, 'zh-CN')).toBe('¥500');
    expect(formatYuanShort(5050, 'en')).toBe('¥50.50');
  });
});

describe('parsing an amount typed in yuan', () => {
  test('reads whole yuan, one or two decimals, grouping, a ¥ sign and full-width digits', () => {
    expect(parseYuan('50')).toEqual({ ok: true, fen: 5000 });
    expect(parseYuan(' 50.5 ')).toEqual({ ok: true, fen: 5050 });
    expect(parseYuan('0.07')).toEqual({ ok: true, fen: 7 });
    expect(parseYuan('1,234.56')).toEqual({ ok: true, fen: 123456 });
    expect(parseYuan('¥20')).toEqual({ ok: true, fen: 2000 });
    expect(parseYuan('２０．５')).toEqual({ ok: true, fen: 2050 });
    expect(parseYuan('12.')).toEqual({ ok: true, fen: 1200 });
  });

  test('is exact where floats are not (0.29 × 100 = 28.999…)', () => {
    expect(parseYuan('0.29')).toEqual({ ok: true, fen: 29 });
    expect(parseYuan('1.15')).toEqual({ ok: true, fen: 115 });
    expect(parseYuan('4.35')).toEqual({ ok: true, fen: 435 });
  });

  test('refuses empty, malformed, a third decimal, zero and too much', () => {
    expect(parseYuan('')).toEqual({ ok: false, reason: 'empty' });
    expect(parseYuan('abc')).toEqual({ ok: false, reason: 'format' });
    expect(parseYuan('1.234')).toEqual({ ok: false, reason: 'format' });
    expect(parseYuan('-5')).toEqual({ ok: false, reason: 'format' });
    expect(parseYuan('1e3')).toEqual({ ok: false, reason: 'format' });
    expect(parseYuan('0.00')).toEqual({ ok: false, reason: 'too_small' });
    expect(parseYuan('100000000.01')).toEqual({ ok: false, reason: 'too_large' });
    expect(parseYuan('100000000')).toEqual({ ok: true, fen: 10_000_000_000 });
  });

  test('progress never exceeds 100% nor divides by zero', () => {
    expect(percentOf(50, 200)).toBe(25);
    expect(percentOf(500, 200)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });
});
