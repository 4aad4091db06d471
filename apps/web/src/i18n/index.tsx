import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { ApiError } from '../api';
import { en, type MessageKey, type Messages } from './en';
import { zhCN } from './zh-CN';

export type { MessageKey } from './en';

export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

const dictionaries: Record<Locale, Messages> = { en, 'zh-CN': zhCN };
const storageKey = 'goodtrace.locale';

function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'zh-CN';
}

/** The remembered choice, else the first of the browser's languages that we speak, else English. */
export function detectLocale(): Locale {
  try {
    const saved = localStorage.getItem(storageKey);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage can be disabled; fall through to the browser's preference.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const lower = tag?.toLowerCase() ?? '';
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

type Vars = Record<string, string | number>;

/** Keys that come as a `.one` / `.other` pair. */
type PluralBase = {
  [K in MessageKey]: K extends `${infer Base}.one` ? Base : never;
}[MessageKey];

function fill(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, vars?: Vars): string;
  /** A plural message: `${base}.one` when count is 1, else `${base}.other`. */
  tn(base: PluralBase, count: number, vars?: Vars): string;
  /** Translates a key built at run time (a cause, an error code), or returns null. */
  maybe(key: string, vars?: Vars): string | null;
  formatDate(iso: string): string;
  /** A translated message for anything thrown by the API client. */
  errorMessage(err: unknown): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(detectLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(storageKey, next);
    } catch {
      // Not remembered, but still switched.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const messages = dictionaries[locale];
    const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const maybe = (key: string, vars?: Vars) =>
      key in messages ? fill(messages[key as MessageKey], vars) : null;
    return {
      locale,
      setLocale,
      t: (key, vars) => fill(messages[key], vars),
      tn: (base, count, vars) =>
        fill(messages[`${base}.${count === 1 ? 'one' : 'other'}` as MessageKey], {
          count,
          ...vars,
        }),
      maybe,
      formatDate: (iso) => dateFormat.format(new Date(iso)),
      errorMessage: (err) => {
        if (err instanceof ApiError) {
          return maybe(`error.${err.code}`) ?? (err.message || messages['error.unknown']);
        }
        return messages['error.unknown'];
      },
    };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

/** Sets the browser tab's title for a page. */
export function useDocumentTitle(title: string | null) {
  const { t } = useI18n();
  const brand = t('app.name');
  useEffect(() => {
    document.title = title ? `${title} · ${brand}` : `${brand} — ${t('app.tagline')}`;
  }, [title, brand, t]);
}
