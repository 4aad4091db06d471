import type { AnomalyCode, CharityBooks, Org, Page } from '@goodtrace/contract';
import { ANOMALY_CODES } from '@goodtrace/contract/lists';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { get, query } from '../../api';
import { Notice } from '../../components/fields';
import { useDocumentTitle, useI18n } from '../../i18n';
import { isStaff, useSession } from '../../session';
import { useLoad } from '../../use-load';
import { NotFoundPage } from '../not-found-page';
import { AnomaliesCard } from './anomalies-card';
import { BooksCard } from './books-card';
import { FileFindingForm } from './file-finding-form';
import { FindingsCard } from './findings-card';
import { HealthCard } from './health-card';
import './audit.css';

/**
 * The auditor's console: the log's health, the anomalies recomputed from the log, a charity's
 * books, and findings. Auditors file and close findings; admins read.
 */
export function AuditPage() {
  const { t } = useI18n();
  useDocumentTitle(t('audit.title'));
  const { user } = useSession();
  const [search, setSearch] = useSearchParams();
  const orgId = search.get('org') ?? '';
  const code = ANOMALY_CODES.includes(search.get('code') as AnomalyCode)
    ? (search.get('code') as string)
    : '';
  const disbursementId = search.get('disbursement') ?? '';
  const [orgs] = useLoad(
    () => get<Page<Org>>(`/admin/orgs${query({ status: 'verified', pageSize: 100 })}`),
    'audit-orgs',
  );
  // One read of the chosen charity's books, for its card and the form's disbursement list.
  const [books, reloadBooks] = useLoad(
    () =>
      orgId
        ? get<CharityBooks>(`/orgs/${orgId}/audit/books`)
        : Promise.resolve<CharityBooks | null>(null),
    `books:${orgId}`,
  );
  const [round, setRound] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  if (!isStaff(user)) {
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  }
  const canFile = user?.platformRole === 'auditor';
  const orgList = orgs.state === 'done' ? orgs.data.items : [];

  function update(next: { org?: string; code?: string; disbursement?: string }) {
    const params = new URLSearchParams(search);
    for (const [k, v] of Object.entries(next)) {
      if (v) params.set(k, v);
      else params.delete(k);
    }
    setSearch(params, { replace: true });
  }

  return (
    <article className="audit">
      <header className="page-head">
        <p className="eyebrow">{t('audit.eyebrow')}</p>
        <h1>{t('audit.title')}</h1>
        <p className="lead">{t('audit.lead')}</p>
        {!canFile && <p className="alert alert-info">{t('audit.adminNote')}</p>}
      </header>
      <Notice message={notice} />
      <div className="audit-grid">
        <HealthCard />
        <AnomaliesCard orgs={orgList} orgId={orgId} code={code} onFilter={(next) => update(next)} />
      </div>
      <div className="audit-wide">
        {orgId ? (
          <BooksCard
            load={books}
            reload={reloadBooks}
            canFile={canFile}
            onFileOn={(id) => {
              update({ disbursement: id });
              document.getElementById('file-finding')?.scrollIntoView();
            }}
          />
        ) : (
          <section className="card panel">
            <h2>{t('audit.booksAny')}</h2>
            <p className="empty empty-small">{t('audit.chooseCharityHint')}</p>
          </section>
        )}
      </div>
      <div className="audit-grid">
        {canFile && (
          <FileFindingForm
            orgs={orgList}
            orgId={orgId}
            disbursements={books.data?.disbursements ?? []}
            disbursementId={disbursementId}
            onChange={(next) => update(next)}
            onFiled={() => {
              setNotice(t('audit.filed'));
              update({ disbursement: '' });
              setRound((r) => r + 1);
            }}
          />
        )}
        <FindingsCard orgId={orgId} canClose={canFile} round={round} />
      </div>
    </article>
  );
}
