import { useI18n } from '../i18n';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('common.loading')}
    </p>
  );
}

/** A failed load: the translated reason and a way to try again. */
export function LoadFailed({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t, errorMessage } = useI18n();
  return (
    <div className="alert alert-error" role="alert">
      <p>{errorMessage(error)}</p>
      {retry && (
        <button type="button" className="button button-small button-secondary" onClick={retry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}
