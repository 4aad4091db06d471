import { useMemo } from 'react';
import { useI18n } from './i18n';
import { formatFen } from './money';

/** Formats fen for the current language: money(5000) → "¥50.00". */
export function useMoney() {
  const { locale } = useI18n();
  return useMemo(
    () =>
      (fen: number, currency = 'CNY') =>
        formatFen(fen, locale, currency),
    [locale],
  );
}
