import type { LogHealth } from '@goodtrace/contract';
import { get } from '../../api';
import { LoadFailed, Loading } from '../../components/load-state';
import { TableScroll } from '../../components/table-scroll';
import { useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import './audit.css';

/** Seconds as "3 min" / "2 h" / "5 d". */
function useAge() {
  const { t } = useI18n();
  return (seconds: number) => {
    if (seconds < 60) return t('audit.age.seconds', { n: seconds });
    if (seconds < 3600) return t('audit.age.minutes', { n: Math.floor(seconds / 60) });
    if (seconds < 86_400) return t('audit.age.hours', { n: Math.floor(seconds / 3600) });
    return t('audit.age.days', { n: Math.floor(seconds / 86_400) });
  };
}

/** The log's size, checkpoint age and cosignatures, each witness's lag, and the alarms. */
export function HealthCard() {
  const { t, formatDate } = useI18n();
  const age = useAge();
  const [load, reload] = useLoad(() => get<LogHealth>('/audit/health'), 'health');
  return (
    <section className="card panel" aria-labelledby="health-title" data-testid="health">
      <div className="section-head">
        <h2 id="health-title">{t('audit.healthTitle')}</h2>
        <button type="button" className="button button-ghost button-small" onClick={reload}>
          {t('audit.refresh')}
        </button>
      </div>
      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' && (
        <>
          <dl className="details details-inline">
            <dt>{t('log.treeSize')}</dt>
            <dd data-testid="health-size">{load.data.treeSize}</dd>
            <dt>{t('audit.checkpointAge')}</dt>
            <dd>
              {age(load.data.checkpointAgeSeconds)} ({formatDate(load.data.checkpointAt)})
            </dd>
            <dt>{t('audit.cosignedSize')}</dt>
            <dd>
              {load.data.cosigned
                ? t('audit.cosignedBy', {
                    size: load.data.cosigned.treeSize,
                    witnesses: load.data.cosigned.witnesses.join(', '),
                  })
                : t('audit.notCosigned')}
            </dd>
          </dl>
          <h3 id="health-witnesses-title">{t('log.witnessesTitle')}</h3>
          {load.data.witnesses.length === 0 ? (
            <p className="empty empty-small">{t('log.witnessesNone')}</p>
          ) : (
            <TableScroll labelledBy="health-witnesses-title">
              <table className="audit-table">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.witness')}</th>
                    <th scope="col" className="num">
                      {t('audit.witnessSize')}
                    </th>
                    <th scope="col" className="num">
                      {t('audit.witnessLag')}
                    </th>
                    <th scope="col">{t('audit.witnessError')}</th>
                  </tr>
                </thead>
                <tbody>
                  {load.data.witnesses.map((w) => (
                    <tr key={w.name} data-testid="health-witness">
                      <th scope="row" className="mono">
                        {w.name}
                        {!w.configured && (
                          <span className="muted small"> ({t('audit.notConfigured')})</span>
                        )}
                      </th>
                      <td className="num">{w.cosignedSize}</td>
                      <td className={`num${w.lag > 0 ? ' lagging' : ''}`}>{w.lag}</td>
                      <td className="small">{w.lastError ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          <h3>{t('audit.alarmsTitle')}</h3>
          {load.data.alarms.length === 0 ? (
            <p className="empty empty-small">{t('audit.noAlarms')}</p>
          ) : (
            <ul className="plain-list alarms">
              {load.data.alarms.map((a) => (
                <li key={a.id} className="alert alert-error" data-testid="alarm">
                  <strong className="mono">{a.kind}</strong>
                  {a.witness && <span className="mono"> · {a.witness}</span>}
                  {a.treeSize !== null && (
                    <span> · {t('audit.alarmSize', { size: a.treeSize })}</span>
                  )}
                  <span className="muted small"> · {formatDate(a.createdAt)}</span>
                  <p className="small">{a.detail}</p>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
