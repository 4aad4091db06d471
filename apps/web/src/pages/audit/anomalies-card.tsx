import type { AnomalyList, Org } from '@goodtrace/contract';
import { ANOMALY_CODES } from '@goodtrace/contract/lists';
import { Link } from 'react-router-dom';
import { get, query } from '../../api';
import { SelectField } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { useMoney } from '../../use-money';
import './audit.css';

/** The anomalies recomputed from the log, filtered by kind and charity. */
export function AnomaliesCard({
  orgs,
  orgId,
  code,
  onFilter,
}: {
  orgs: Org[];
  orgId: string;
  code: string;
  onFilter(next: { org?: string; code?: string }): void;
}) {
  const { t } = useI18n();
  const money = useMoney();
  const path = `/audit/anomalies${query({ orgId, code })}`;
  const [load, reload] = useLoad(() => get<AnomalyList>(path), path);
  return (
    <section className="card panel" aria-labelledby="anomalies-title" data-testid="anomalies">
      <div className="section-head">
        <h2 id="anomalies-title">{t('audit.anomaliesTitle')}</h2>
        {load.state === 'done' && (
          <span className="muted small">{t('audit.replayed', { count: load.data.replayed })}</span>
        )}
      </div>
      <p className="small muted">{t('audit.anomaliesLead')}</p>
      <div className="audit-filters">
        <SelectField
          label={t('audit.filterCode')}
          name="code"
          value={code}
          onChange={(v) => onFilter({ code: v })}
          options={[
            { value: '', label: t('audit.allCodes') },
            ...ANOMALY_CODES.map((c) => ({
              value: c,
              label:
                load.state === 'done'
                  ? `${t(`audit.code.${c}`)} (${load.data.counts[c] ?? 0})`
                  : t(`audit.code.${c}`),
            })),
          ]}
        />
        <SelectField
          label={t('audit.filterCharity')}
          name="org"
          value={orgId}
          onChange={(v) => onFilter({ org: v })}
          options={[
            { value: '', label: t('audit.allCharities') },
            ...orgs.map((o) => ({ value: o.id, label: o.name })),
          ]}
        />
      </div>
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list anomalies"
        empty={t('audit.noAnomalies')}
      >
        {(a) => (
          <li
            key={`${a.code}-${a.index}-${a.disbursementId ?? a.projectId}`}
            className="anomaly"
            data-testid="anomaly"
          >
            <p>
              <span className={`badge anomaly-${a.code}`}>{t(`audit.code.${a.code}`)}</span>{' '}
              {a.amount !== undefined && <strong>{money(a.amount)}</strong>}{' '}
              <span className="muted small mono">#{a.index}</span>
            </p>
            <p className="small">
              {a.orgName && (
                <Link to={`?${new URLSearchParams({ org: a.orgId })}`}>{a.orgName}</Link>
              )}
              {a.projectTitle && (
                <>
                  {' · '}
                  <Link to={`/projects/${a.projectId}`}>{a.projectTitle}</Link>
                </>
              )}
            </p>
            <p className="small muted">{a.message}</p>
          </li>
        )}
      </ListView>
    </section>
  );
}
