import { type ReactNode, useId } from 'react';
import type { Load } from '../use-load';
import { LoadFailed, Loading } from './load-state';
import { Pagination } from './pagination';

/** What the API answers for a list: the items alone, or a page of them with the total. */
type ListAnswer<T> = readonly T[] | { readonly items: readonly T[]; readonly total?: number };

function itemsOf<T>(answer: ListAnswer<T>): readonly T[] {
  return 'items' in answer ? answer.items : (answer as readonly T[]);
}

/**
 * A list read from the API, shown the one way the app shows lists: a spinner while it loads,
 * the reason and "try again" when it fails, a sentence when there is nothing, else the items
 * in their list. `children` renders one item (with its key). With `paging`, links to the pages
 * around this one follow; with `count`, a heading above says how many there are in all and is
 * read out when a new search changes it.
 */
export function ListView<T>({
  load,
  reload,
  empty,
  compact = false,
  as: List = 'ul',
  className,
  children,
  paging,
  count,
}: {
  load: Load<ListAnswer<T>>;
  reload(): void;
  /** What an empty list says. */
  empty: ReactNode;
  /** Inside a card: a smaller empty box. */
  compact?: boolean;
  as?: 'ul' | 'ol' | 'div';
  className: string;
  children(item: T): ReactNode;
  paging?: { page: number; pageSize: number; search: URLSearchParams };
  count?(total: number): ReactNode;
}) {
  const countId = useId();
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') return <LoadFailed error={load.error} retry={reload} />;
  const items = itemsOf(load.data);
  const total = 'total' in load.data ? (load.data.total ?? items.length) : items.length;
  const list = (
    <>
      {items.length === 0 ? (
        <p className={compact ? 'empty empty-small' : 'empty'}>{empty}</p>
      ) : (
        <List className={className}>{items.map((item) => children(item))}</List>
      )}
      {paging && <Pagination {...paging} total={total} />}
    </>
  );
  if (!count) return list;
  return (
    <section aria-labelledby={countId} className="section">
      <h2 id={countId} className="results-count" aria-live="polite">
        {count(total)}
      </h2>
      {list}
    </section>
  );
}
