import type { Org } from '@goodtrace/contract';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { post } from '../api';
import { emptyOrg, OrgForm } from '../components/org-form';
import { useDocumentTitle, useI18n } from '../i18n';

export function RegisterCharityPage() {
  const { t, errorMessage } = useI18n();
  useDocumentTitle(t('register.title'));
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);

  return (
    <section className="narrow">
      <h1>{t('register.title')}</h1>
      <p className="lead">{t('register.lead')}</p>
      <OrgForm
        initial={emptyOrg}
        error={error}
        onSubmit={async (values) => {
          setError(null);
          try {
            const org = await post<Org>('/orgs', values);
            navigate(`/charities/${org.id}`);
          } catch (err) {
            setError(errorMessage(err));
          }
        }}
        actions={(busy) => (
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('register.submit')}
          </button>
        )}
      />
    </section>
  );
}
