import type { Org } from '@goodtrace/contract';
import { causes } from '@goodtrace/contract/lists';
import { OrgCard } from '../components/org-card';
import { SearchForm, SearchResults } from '../components/search-form';
import { useDocumentTitle, useI18n } from '../i18n';
import { useUrlSearch } from '../use-url-search';

/** The public directory of verified charities; the search lives in the URL. */
export function DirectoryPage() {
  const { t, tn } = useI18n();
  useDocumentTitle(t('directory.title'));
  const s = useUrlSearch({ q: '', city: '', cause: '' }, { cause: causes });

  return (
    <>
      <section className="page-head">
        <h1>{t('directory.title')}</h1>
        <p className="lead">{t('directory.lead')}</p>
      </section>
      <SearchForm label={t('directory.formLabel')} qLabel={t('directory.q')} search={s} />
      <SearchResults<Org>
        endpoint="/orgs"
        search={s}
        empty={t('directory.empty')}
        count={(total) => tn('directory.results', total)}
      >
        {(org) => <OrgCard key={org.id} org={org} />}
      </SearchResults>
    </>
  );
}
