import { useMemo } from 'react';
import { useI18n } from './i18n';

/** Dates and times for the current language; a YYYY-MM-DD day stays that day in every zone. */
export function useDates() {
  const { locale } = useI18n();
  return useMemo(() => {
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const dayTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      day: (ymd: string) => {
        const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
        return m ? day.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : ymd;
      },
      dateTime: (iso: string) => dayTime.format(new Date(iso)),
    };
  }, [locale]);
}
