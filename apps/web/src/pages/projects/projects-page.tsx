import type { ProjectSummary } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import { Link } from 'react-router-dom';
import { SelectField } from '../../components/fields';
import { SearchForm, SearchResults } from '../../components/search-form';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useDates } from '../../use-dates';
import { useMoney } from '../../use-money';
import { useUrlSearch } from '../../use-url-search';
import { GoalProgress } from './goal-progress';
import './projects.css';

const sorts = ['newest', 'most_funded', 'closing_soon'] as const;

export function ProjectCard({ project }: { project: ProjectSummary }) {
  const { t, maybe } = useI18n();
  const money = useMoney();
  const dates = useDates();
  const titleId = `project-${project.id}`;
  return (
    <article className="card project-card" aria-labelledby={titleId}>
      {project.coverUrl ? (
        <img className="project-cover" src={project.coverUrl} alt="" loading="lazy" />
      ) : (
        <div className="project-cover project-cover-empty" aria-hidden="true" />
      )}
      <div className="project-card-body">
        <p className="org-card-tags">
          <span className="tag">{maybe(`cause.${project.cause}`) ?? project.cause}</span>
          <span className="muted small">
            {project.city}
            {project.region ? ` · ${project.region}` : ''}
          </span>
        </p>
        <h3 className="org-card-title" id={titleId}>
          <Link to={`/projects/${project.id}`}>{project.title}</Link>
        </h3>
        <p className="org-card-meta">
          {t('projects.by')} <Link to={`/charities/${project.orgId}`}>{project.orgName}</Link>
        </p>
        <p className="org-card-description">{project.summary}</p>
        <GoalProgress raised={project.raised} goal={project.goal.amount} />
        <dl className="project-figures">
          <div>
            <dt>{t('projects.raised')}</dt>
            <dd>{money(project.raised)}</dd>
          </div>
          <div>
            <dt>{t('projects.spent')}</dt>
            <dd>{money(project.spent)}</dd>
          </div>
          <div>
            <dt>{t('projects.confirmed')}</dt>
            <dd>{money(project.confirmed)}</dd>
          </div>
        </dl>
        <p className="muted small">{t('projects.closes', { date: dates.day(project.endDate) })}</p>
      </div>
    </article>
  );
}

/** Published projects for donors; the search lives in the URL like the charity directory. */
export function ProjectsPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('projects.title'));
  const s = useUrlSearch(
    { q: '', city: '', cause: '', sort: 'newest' },
    { cause: causes, sort: sorts },
  );
  return (
    <>
      <section className="page-head">
        <h1>{t('projects.title')}</h1>
        <p className="lead">{t('projects.lead')}</p>
      </section>
      <SearchForm
        label={t('projects.formLabel')}
        qLabel={t('projects.q')}
        className="projects-search"
        search={s}
      >
        <SelectField
          label={t('projects.sort')}
          name="sort"
          {...s.field('sort')}
          options={sorts.map((v) => ({ value: v, label: t(`projects.sort.${v}`) }))}
        />
      </SearchForm>
      <SearchResults<ProjectSummary>
        endpoint="/projects"
        search={s}
        empty={t('projects.empty')}
        count={(total) => tn('projects.results', total)}
      >
        {(p) => <ProjectCard key={p.id} project={p} />}
      </SearchResults>
    </>
  );
}
