import type { Org, Page } from '@goodtrace/contract';
import { Link } from 'react-router-dom';
import { get } from '../api';
import { Loading } from '../components/load-state';
import { OrgCard } from '../components/org-card';
import { useDocumentTitle, useI18n } from '../i18n';
import { useLoad } from '../use-load';

export function HomePage() {
  const { t } = useI18n();
  useDocumentTitle(null);
  const [featured] = useLoad(() => get<Page<Org>>('/orgs?pageSize=3'), 'featured');

  return (
    <>
      <section className="hero">
        <p className="eyebrow">{t('app.tagline')}</p>
        <h1>{t('home.title')}</h1>
        <p className="lead">{t('home.lead')}</p>
        <div className="hero-actions">
          <Link to="/charities" className="button button-primary">
            {t('home.ctaBrowse')}
          </Link>
          <Link to="/charities/new" className="button button-secondary">
            {t('home.ctaRegister')}
          </Link>
        </div>
      </section>

      <section aria-labelledby="features-title" className="section">
        <h2 id="features-title" className="visually-hidden">
          {t('home.featuresTitle')}
        </h2>
        <ul className="features">
          {(['feature1', 'feature2', 'feature3'] as const).map((f, i) => (
            <li key={f} className="card feature">
              <span className="feature-icon" aria-hidden="true">
                {['◎', '✓', '♥'][i]}
              </span>
              <h3>{t(`home.${f}.title`)}</h3>
              <p>{t(`home.${f}.body`)}</p>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="steps-title" className="section steps-section">
        <h2 id="steps-title">{t('home.stepsTitle')}</h2>
        <ol className="steps">
          <li>{t('home.step1')}</li>
          <li>{t('home.step2')}</li>
          <li>{t('home.step3')}</li>
        </ol>
      </section>

      {featured.state === 'loading' && <Loading />}
      {featured.state === 'done' && featured.data.items.length > 0 && (
        <section aria-labelledby="featured-title" className="section">
          <div className="section-head">
            <h2 id="featured-title">{t('home.featuredTitle')}</h2>
            <Link to="/charities">{t('home.seeAll')}</Link>
          </div>
          <div className="card-grid">
            {featured.data.items.map((org) => (
              <OrgCard key={org.id} org={org} />
            ))}
          </div>
        </section>
      )}
    </>
  );
}
