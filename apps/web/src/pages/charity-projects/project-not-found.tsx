import { Link } from 'react-router-dom';
import { useDocumentTitle, useI18n } from '../../i18n';

/** A project id that is not one of this charity's projects. */
export function ProjectNotFound({ orgId }: { orgId: string }) {
  const { t } = useI18n();
  useDocumentTitle(t('cp.notFoundTitle'));
  return (
    <section className="narrow empty-page">
      <h1>{t('cp.notFoundTitle')}</h1>
      <p>{t('cp.notFoundBody')}</p>
      <Link to={`/charities/${orgId}/projects`} className="button button-primary">
        {t('cp.projects.title')}
      </Link>
    </section>
  );
}
