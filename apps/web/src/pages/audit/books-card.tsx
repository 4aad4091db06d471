import type { CharityBooks } from '@goodtrace/contract';
import { Link } from 'react-router-dom';
import { LoadFailed, Loading } from '../../components/load-state';
import { TableScroll } from '../../components/table-scroll';
import { useI18n } from '../../i18n';
import type { Load } from '../../use-load';
import { useMoney } from '../../use-money';
import './audit.css';

/** A charity's books replayed from the log: its projects' money and its disbursements. */
export function BooksCard({
  load,
  reload,
  canFile,
  onFileOn,
}: {
  load: Load<CharityBooks | null>;
  reload(): void;
  canFile: boolean;
  onFileOn(disbursementId: string): void;
}) {
  const { t } = useI18n();
  const money = useMoney();
  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') return <LoadFailed error={load.error} retry={reload} />;
  const books = load.data;
  if (!books) return null;
  // What charities owe for refunds of money they had spent: a column only when some project has it.
  const owed = books.projects.some((p) => p.owed > 0);
  const columns = ['raised', 'allocated', 'spent', 'confirmed', 'unspent'] as const;
  return (
    <section className="card panel" aria-labelledby="books-title" data-testid="books">
      <div className="section-head">
        <h2 id="books-title">{t('audit.booksTitle', { name: books.org.name })}</h2>
        <span className="muted small">{t('audit.replayed', { count: books.replayed })}</span>
      </div>
      <p className="small muted">{t('audit.booksLead')}</p>
      <h3 id="books-projects-title">{t('audit.projectsTitle')}</h3>
      {books.projects.length === 0 ? (
        <p className="empty empty-small">{t('audit.noProjects')}</p>
      ) : (
        <TableScroll labelledBy="books-projects-title">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.project')}</th>
                {[...columns, ...(owed ? (['owed'] as const) : [])].map((k) => (
                  <th key={k} scope="col" className="num">
                    {t(`audit.money.${k}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {books.projects.map((p) => (
                <tr key={p.id} data-testid="books-project">
                  <th scope="row">
                    <Link to={`/projects/${p.id}`}>{p.title ?? p.id}</Link>
                  </th>
                  <td className="num">{money(p.raised - p.refunded)}</td>
                  <td className="num">{money(p.allocated)}</td>
                  <td className="num">{money(p.spent)}</td>
                  <td className="num">{money(p.confirmed)}</td>
                  <td className="num">{money(p.unspent)}</td>
                  {owed && (
                    <td className={p.owed > 0 ? 'num owed' : 'num'} data-testid="books-owed">
                      {p.owed > 0 ? money(p.owed) : '—'}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3 id="books-disbursements-title">{t('audit.disbursementsTitle')}</h3>
      {books.disbursements.length === 0 ? (
        <p className="empty empty-small">{t('audit.noDisbursements')}</p>
      ) : (
        <TableScroll labelledBy="books-disbursements-title">
          <table className="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.date')}</th>
                <th scope="col">{t('audit.purpose')}</th>
                <th scope="col" className="num">
                  {t('audit.amount')}
                </th>
                <th scope="col">{t('audit.confirmedCol')}</th>
                {canFile && (
                  <th scope="col">
                    <span className="visually-hidden">{t('audit.fileOn')}</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {books.disbursements.map((d) => (
                <tr key={d.id} data-testid="books-disbursement">
                  <td>{d.date ?? d.at.slice(0, 10)}</td>
                  <td>
                    {d.purpose ?? '—'}
                    <span className="muted small">
                      {' '}
                      · {d.budgetLine.label ?? d.budgetLine.id} · #{d.index}
                    </span>
                  </td>
                  <td className="num">{money(d.amount)}</td>
                  <td>
                    {d.confirmed ? (
                      <span className="badge badge-verified">{t('audit.confirmed')}</span>
                    ) : (
                      <span className={`badge ${d.overdue ? 'badge-rejected' : 'badge-pending'}`}>
                        {d.overdue ? t('audit.overdue') : t('audit.unconfirmed')}
                      </span>
                    )}
                  </td>
                  {canFile && (
                    <td>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        onClick={() => onFileOn(d.id)}
                      >
                        {t('audit.fileOn')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
