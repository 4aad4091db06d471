import type { Page, ProjectSummary } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { get, query } from '../../api';
import { SelectField, TextField } from '../../components/fields';
import { LoadFailed, Loading } from '../../components/load-state';
import { Pagination } from '../../components/pagination';
import { useDocumentTitle, useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { GoalProgress, useDates, useMoney } from './bits';

const pageSize = 12;
const sorts = ['newest', 'most_funded', 'closing_soon'] as const;
type Sort = (typeof sorts)[number];

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
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const city = search.get('city') ?? '';
  const cause = search.get('cause') ?? '';
  const sortParam = search.get('sort') ?? '';
  const sort: Sort = (sorts as readonly string[]).includes(sortParam)
    ? (sortParam as Sort)
    : 'newest';
  const page = Math.max(1, Number.parseInt(search.get('page') ?? '1', 10) || 1);
  const [form, setForm] = useState({ q, city, cause, sort });
  useEffect(() => setForm({ q, city, cause, sort }), [q, city, cause, sort]);

  const path = `/projects${query({
    q,
    city,
    cause: (causes as readonly string[]).includes(cause) ? cause : undefined,
    sort: sort === 'newest' ? undefined : sort,
    page,
    pageSize,
  })}`;
  const [load, reload] = useLoad(() => get<Page<ProjectSummary>>(path), path);

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    if (form.q.trim()) next.set('q', form.q.trim());
    if (form.city.trim()) next.set('city', form.city.trim());
    if (form.cause) next.set('cause', form.cause);
    if (form.sort !== 'newest') next.set('sort', form.sort);
    setSearch(next);
  }

  const filtered = Boolean(q || city || cause || sort !== 'newest');

  return (
    <>
      <section className="page-head">
        <h1>{t('projects.title')}</h1>
        <p className="lead">{t('projects.lead')}</p>
      </section>
      <search className="card search-card">
        <form
          className="search-form projects-search"
          onSubmit={submit}
          aria-label={t('projects.formLabel')}
        >
          <TextField
            label={t('projects.q')}
            name="q"
            type="search"
            maxLength={100}
            value={form.q}
            onChange={(v) => setForm((f) => ({ ...f, q: v }))}
          />
          <TextField
            label={t('directory.city')}
            name="city"
            maxLength={64}
            value={form.city}
            onChange={(v) => setForm((f) => ({ ...f, city: v }))}
          />
          <SelectField
            label={t('directory.cause')}
            name="cause"
            value={form.cause}
            onChange={(v) => setForm((f) => ({ ...f, cause: v }))}
            options={[
              { value: '', label: t('directory.anyCause') },
              ...causes.map((c) => ({ value: c, label: t(`cause.${c}`) })),
            ]}
          />
          <SelectField
            label={t('projects.sort')}
            name="sort"
            value={form.sort}
            onChange={(v) => setForm((f) => ({ ...f, sort: v as Sort }))}
            options={sorts.map((s) => ({ value: s, label: t(`projects.sort.${s}`) }))}
          />
          <div className="search-actions">
            <button type="submit" className="button button-primary">
              {t('directory.submit')}
            </button>
            {filtered && (
              <button
                type="button"
                className="button button-ghost"
                onClick={() => setSearch(new URLSearchParams())}
              >
                {t('directory.clear')}
              </button>
            )}
          </div>
        </form>
      </search>

      {load.state === 'loading' && <Loading />}
      {load.state === 'failed' && <LoadFailed error={load.error} retry={reload} />}
      {load.state === 'done' && (
        <section aria-labelledby="results-title" className="section">
          <h2 id="results-title" className="results-count" aria-live="polite">
            {tn('projects.results', load.data.total)}
          </h2>
          {load.data.items.length === 0 ? (
            <p className="empty">{t('projects.empty')}</p>
          ) : (
            <div className="card-grid">
              {load.data.items.map((p) => (
                <ProjectCard key={p.id} project={p} />
              ))}
            </div>
          )}
          <Pagination page={page} pageSize={pageSize} total={load.data.total} search={search} />
        </section>
      )}
    </>
  );
}
