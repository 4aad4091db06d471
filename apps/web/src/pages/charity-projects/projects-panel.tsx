import type { Org } from '@goodtrace/contract';
import { Link } from 'react-router-dom';
import { useI18n } from '../../i18n';
import './charity-projects.css';

/** On the charity's page, for its members: the way to its projects, spending and payees. */
export function ProjectsPanel({ org }: { org: Org }) {
  const { t } = useI18n();
  if (!org.myRole) return null;
  return (
    <section className="card panel cp-panel" aria-labelledby="cp-panel-title">
      <h2 id="cp-panel-title">{t('cp.panel.title')}</h2>
      <p>{t('cp.panel.body')}</p>
      <div className="cp-head-actions">
        <Link to={`/charities/${org.id}/projects`} className="button button-primary button-small">
          {t('cp.panel.projects')}
        </Link>
        <Link
          to={`/charities/${org.id}/projects/new`}
          className="button button-secondary button-small"
        >
          {t('cp.panel.newProject')}
        </Link>
        <Link
          to={`/charities/${org.id}/beneficiaries`}
          className="button button-secondary button-small"
        >
          {t('cp.panel.beneficiaries')}
        </Link>
      </div>
    </section>
  );
}
