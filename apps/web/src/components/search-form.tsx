import type { Page } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import type { ReactNode } from 'react';
import { get, query } from '../api';
import { useI18n } from '../i18n';
import { useLoad } from '../use-load';
import type { useUrlSearch } from '../use-url-search';
import { SelectField, TextField } from './fields';
import { ListView } from './list-view';

type Search = ReturnType<typeof useUrlSearch<'q' | 'city' | 'cause'>>;

/**
 * The search card above a public list (charities, projects): words, city and cause, the
 * page's own fields (`children`), then "search" and, while the list is filtered, "clear".
 */
export function SearchForm({
  label,
  qLabel,
  className,
  search,
  children,
}: {
  label: string;
  /** What the words box searches. */
  qLabel: string;
  className?: string;
  search: Search;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <search className="card search-card">
      <form
        className={className ? `search-form ${className}` : 'search-form'}
        onSubmit={search.submit}
        aria-label={label}
      >
        <TextField label={qLabel} name="q" type="search" maxLength={100} {...search.field('q')} />
        <TextField
          label={t('directory.city')}
          name="city"
          maxLength={64}
          {...search.field('city')}
        />
        <SelectField
          label={t('directory.cause')}
          name="cause"
          {...search.field('cause')}
          options={[
            { value: '', label: t('directory.anyCause') },
            ...causes.map((c) => ({ value: c, label: t(`cause.${c}`) })),
          ]}
        />
        {children}
        <div className="search-actions">
          <button type="submit" className="button button-primary">
            {t('directory.submit')}
          </button>
          {search.filtered && (
            <button type="button" className="button button-ghost" onClick={search.clear}>
              {t('directory.clear')}
            </button>
          )}
        </div>
      </form>
    </search>
  );
}

/** Cards a page: three rows of four, four of three, six of two. */
const pageSize = 12;

/**
 * What a public search finds at `endpoint`, a page of cards at a time: how many in all, the
 * cards, and the pages around this one.
 */
export function SearchResults<T>({
  endpoint,
  search,
  empty,
  count,
  children,
}: {
  endpoint: string;
  search: Search;
  empty: string;
  count(total: number): string;
  children(item: T): ReactNode;
}) {
  const path = `${endpoint}${query({ ...search.params, page: search.page, pageSize })}`;
  const [load, reload] = useLoad(() => get<Page<T>>(path), path);
  return (
    <ListView
      load={load}
      reload={reload}
      as="div"
      className="card-grid"
      empty={empty}
      count={count}
      paging={{ page: search.page, pageSize, search: search.search }}
    >
      {children}
    </ListView>
  );
}
