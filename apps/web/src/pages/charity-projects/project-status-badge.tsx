import type { ProjectStatus } from '@goodtrace/contract';
import { type MessageKey, useI18n } from '../../i18n';
import './charity-projects.css';

export function ProjectStatusBadge({ status }: { status: ProjectStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-project-${status}`}>
      {t(`cp.status.${status}` as MessageKey)}
    </span>
  );
}
