import type { Finding } from '@goodtrace/contract';
import { useState } from 'react';
import { get, post, query } from '../../api';
import { FormError } from '../../components/fields';
import { ListView } from '../../components/list-view';
import { useI18n } from '../../i18n';
import { useLoad } from '../../use-load';
import { FindingCard } from './findings';
import './audit.css';

/** Every finding (or one charity's), newest first; auditors close them here. */
export function FindingsCard({
  orgId,
  canClose,
  round,
}: {
  orgId: string;
  canClose: boolean;
  round: number;
}) {
  const { t, errorMessage } = useI18n();
  const path = `/audit/findings${query({ orgId })}`;
  const [load, reload] = useLoad(() => get<{ items: Finding[] }>(path), `${path}:${round}`);
  const [error, setError] = useState<string | null>(null);
  async function close(id: string) {
    setError(null);
    try {
      await post(`/audit/findings/${id}/close`);
      reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  }
  return (
    <section className="card panel" aria-labelledby="all-findings-title" data-testid="findings">
      <div className="section-head">
        <h2 id="all-findings-title">{t('audit.findingsTitle')}</h2>
        <button type="button" className="button button-ghost button-small" onClick={reload}>
          {t('audit.refresh')}
        </button>
      </div>
      <FormError message={error} />
      <ListView
        load={load}
        reload={reload}
        compact
        className="plain-list findings-list"
        empty={t('audit.noFindings')}
      >
        {(f) => (
          <FindingCard key={f.id} finding={f} showCharity>
            {canClose && f.status !== 'closed' && (
              <div className="form-actions">
                <button
                  type="button"
                  className="button button-secondary button-small"
                  onClick={() => void close(f.id)}
                >
                  {t('audit.close')}
                </button>
              </div>
            )}
          </FindingCard>
        )}
      </ListView>
    </section>
  );
}
