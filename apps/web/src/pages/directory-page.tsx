import type { Org, Page } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import { type FormEvent, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { get, query } from '../api';
import { SelectField, TextField } from '../components/fields';
import { LoadFailed, Loading } from '../components/load-state';
import { OrgCard } from '../components/org-card';
import { Pagination } from '../components/pagination';
import { useDocumentTitle, useI18n } from '../i18n';
import { useLoad } from '../use-load';

const pageSize = 12;

/** The public directory of verified charities; the search lives in the URL. */
export function DirectoryPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('directory.title'));
  const [search, setSearch] = useSearchParams();
  const q = search.get('q') ?? '';
  const city = search.get('city') ?? '';
  const cause = search.get('cause') ?? '';
  const page = Math.max(1, Number.parseInt(search.get('page') ?? '1', 10) || 1);
  const [form, setForm] = useState({ q, city, cause });
  // Follow the URL when it changes from outside the form (back button, a link).
  useEffect(() => setForm({ q, city, cause }), [q, city, cause]);

  const path = `/orgs${query({ q, city, cause: (causes as readonly string[]).includes(cause) ? cause : undefined, page, pageSize })}`;
  const [load, reload] = useLoad(() => get<Page<Org>>(path), path);

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    if (form.q.trim()) next.set('q', form.q.trim());
    if (form.city.trim()) next.set('city', form.city.trim());
    if (form.cause) next.set('cause', form.cause);
    setSearch(next);
  }

  const filtered = Boolean(q || city || cause);

  return (
    <>
      <section className="page-head">
        <h1>{t('directory.title')}</h1>
        <p className="lead">{t('directory.lead')}</p>
      </section>
      <search className="card search-card">
        <form className="search-form" onSubmit={submit} aria-label={t('directory.formLabel')}>
          <TextField
            label={t('directory.q')}
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
            {tn('directory.results', load.data.total)}
          </h2>
          {load.data.items.length === 0 ? (
            <p className="empty">{t('directory.empty')}</p>
          ) : (
            <div className="card-grid">
              {load.data.items.map((org) => (
                <OrgCard key={org.id} org={org} />
              ))}
            </div>
          )}
          <Pagination page={page} pageSize={pageSize} total={load.data.total} search={search} />
        </section>
      )}
    </>
  );
}
