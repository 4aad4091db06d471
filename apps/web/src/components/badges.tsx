import type { OrgStatus } from '@goodtrace/contract';
import { useI18n } from '../i18n';

export function StatusBadge({ status }: { status: OrgStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

export function CauseTag({ cause }: { cause: string }) {
  const { maybe } = useI18n();
  return <span className="tag">{maybe(`cause.${cause}`) ?? cause}</span>;
}
