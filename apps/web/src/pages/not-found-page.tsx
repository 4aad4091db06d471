import { Link } from 'react-router-dom';
import { useDocumentTitle, useI18n } from '../i18n';

export function NotFoundPage({
  title = 'common.notFoundTitle',
  body = 'common.notFoundBody',
}: {
  title?: 'common.notFoundTitle' | 'org.notFoundTitle' | 'common.forbiddenTitle';
  body?: 'common.notFoundBody' | 'org.notFoundBody' | 'common.forbiddenBody';
}) {
  const { t } = useI18n();
  useDocumentTitle(t(title));
  return (
    <section className="narrow empty-page">
      <h1>{t(title)}</h1>
      <p>{t(body)}</p>
      <Link to="/" className="button button-primary">
        {t('common.goHome')}
      </Link>
    </section>
  );
}
