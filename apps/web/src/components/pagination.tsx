import { Link } from 'react-router-dom';
import { useI18n } from '../i18n';

/** Previous / next links that keep the rest of the query string. */
export function Pagination({
  page,
  pageSize,
  total,
  search,
}: {
  page: number;
  pageSize: number;
  total: number;
  search: URLSearchParams;
}) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const href = (p: number) => {
    const next = new URLSearchParams(search);
    if (p === 1) next.delete('page');
    else next.set('page', String(p));
    const s = next.toString();
    return s ? `?${s}` : '?';
  };
  return (
    <nav className="pagination" aria-label={t('pagination.label')}>
      {page > 1 ? (
        <Link className="button button-secondary button-small" to={href(page - 1)} rel="prev">
          {t('pagination.prev')}
        </Link>
      ) : (
        <span />
      )}
      <span className="pagination-status" aria-current="page">
        {t('pagination.page', { page, pages })}
      </span>
      {page < pages ? (
        <Link className="button button-secondary button-small" to={href(page + 1)} rel="next">
          {t('pagination.next')}
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
