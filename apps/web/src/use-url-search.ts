import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * A search that lives in the URL, so that it can be shared, bookmarked and gone back to.
 * `defaults` names its fields and what each is when the URL does not say; a field with
 * `allowed` values reads as its default when the URL holds another. Returns what the URL says
 * now (`values`; `params`, the same without the defaults, for the API; `page`), the form's
 * draft of it (`draft`, `field`), and `submit` / `clear`, which write the draft (trimmed,
 * defaults left out, back to page 1) or nothing to the URL.
 */
export function useUrlSearch<K extends string>(
  defaults: Record<K, string>,
  allowed: Partial<Record<K, readonly string[]>> = {},
) {
  const [search, setSearch] = useSearchParams();
  const keys = Object.keys(defaults) as K[];
  const read = (k: K) => {
    const v = search.get(k) ?? '';
    const ok = allowed[k];
    return v === '' || (ok && !ok.includes(v)) ? defaults[k] : v;
  };
  const current = keys.map(read);
  const key = JSON.stringify(current);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is `current`, as text.
  const values = useMemo(
    () => Object.fromEntries(keys.map((k, i) => [k, current[i]])) as Record<K, string>,
    [key],
  );
  const params = Object.fromEntries(
    keys.filter((k) => values[k] !== defaults[k]).map((k) => [k, values[k]]),
  );
  const page = Math.max(1, Number.parseInt(search.get('page') ?? '1', 10) || 1);
  const [draft, setDraft] = useState(values);
  // Follow the URL when it changes from outside the form (back button, a link).
  useEffect(() => setDraft(values), [values]);

  return {
    search,
    values,
    params: params as Partial<Record<K, string>>,
    page,
    draft,
    /** Whether the URL holds anything but the defaults. */
    filtered: keys.some((k) => values[k] !== defaults[k]),
    /** A form control's value and onChange, for the draft's field `k`. */
    field: (k: K) => ({
      value: draft[k],
      onChange: (v: string) => setDraft((d) => ({ ...d, [k]: v })),
    }),
    submit(e: FormEvent) {
      e.preventDefault();
      const next = new URLSearchParams();
      for (const k of keys) {
        const v = draft[k].trim();
        if (v && v !== defaults[k]) next.set(k, v);
      }
      setSearch(next);
    },
    clear() {
      setSearch(new URLSearchParams());
    },
  };
}
