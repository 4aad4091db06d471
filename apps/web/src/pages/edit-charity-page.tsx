import type { Org } from '@goodtrace/contract';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { get, patch, post } from '../api';
import { LoadFailed, Loading } from '../components/load-state';
import { OrgForm } from '../components/org-form';
import { useDocumentTitle, useI18n } from '../i18n';
import { useLoad } from '../use-load';
import type { OrgInput } from '../validation';
import { NotFoundPage } from './not-found-page';

const fields = [
  'name',
  'registrationNumber',
  'city',
  'cause',
  'contactEmail',
  'contactPhone',
  'website',
  'description',
] as const satisfies readonly (keyof OrgInput)[];

export function EditCharityPage() {
  const { orgId = '' } = useParams();
  const { t, errorMessage } = useI18n();
  useDocumentTitle(t('edit.title'));
  const navigate = useNavigate();
  const [load, reload] = useLoad(() => get<Org>(`/orgs/${orgId}`), orgId);
  const [error, setError] = useState<string | null>(null);

  if (load.state === 'loading') return <Loading />;
  if (load.state === 'failed') {
    if ((load.error as { code?: string }).code === 'not_found')
      return <NotFoundPage title="org.notFoundTitle" body="org.notFoundBody" />;
    return <LoadFailed error={load.error} retry={reload} />;
  }
  const org = load.data;
  if (!org.myRole)
    return <NotFoundPage title="common.forbiddenTitle" body="common.forbiddenBody" />;
  const canResubmit = org.status === 'rejected' && org.myRole === 'owner';

  async function save(values: OrgInput, action: string) {
    setError(null);
    const changes: Partial<OrgInput> = {};
    for (const f of fields) {
      if (values[f] !== org[f]) (changes as Record<string, unknown>)[f] = values[f];
    }
    try {
      if (Object.keys(changes).length > 0) await patch<Org>(`/orgs/${orgId}`, changes);
      if (action === 'resubmit') await post<Org>(`/orgs/${orgId}/resubmit`);
      navigate(`/charities/${orgId}`, {
        state: { notice: action === 'resubmit' ? 'edit.resubmitted' : 'edit.saved' },
      });
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <section className="narrow">
      <p className="breadcrumb">
        <Link to={`/charities/${org.id}`}>← {org.name}</Link>
      </p>
      <h1>{t('edit.title')}</h1>
      <OrgForm
        initial={org}
        error={error}
        onSubmit={save}
        actions={(busy) => (
          <>
            {canResubmit && (
              <button
                type="submit"
                name="action"
                value="resubmit"
                className="button button-primary"
                disabled={busy}
              >
                {t('edit.saveAndResubmit')}
              </button>
            )}
            <button
              type="submit"
              name="action"
              value="save"
              className={`button ${canResubmit ? 'button-secondary' : 'button-primary'}`}
              disabled={busy}
            >
              {t('edit.save')}
            </button>
            <Link to={`/charities/${org.id}`} className="button button-ghost">
              {t('common.cancel')}
            </Link>
          </>
        )}
      />
    </section>
  );
}
