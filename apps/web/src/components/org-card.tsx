import type { Org } from '@goodtrace/contract';
import { Link } from 'react-router-dom';
import { useI18n } from '../i18n';
import { CauseTag, StatusBadge } from './badges';

/** One charity in a list, linking to its page. */
export function OrgCard({ org, showStatus = false }: { org: Org; showStatus?: boolean }) {
  const { t } = useI18n();
  return (
    <article className="card org-card">
      <div className="org-card-tags">
        <CauseTag cause={org.cause} />
        {showStatus && <StatusBadge status={org.status} />}
      </div>
      <h3 className="org-card-title">
        <Link to={`/charities/${org.id}`}>{org.name}</Link>
      </h3>
      <p className="org-card-meta">
        <span className="icon-pin" aria-hidden="true" />
        <span className="visually-hidden">{t('org.city')}: </span>
        {org.city}
      </p>
      <p className="org-card-description">{org.description}</p>
    </article>
  );
}
