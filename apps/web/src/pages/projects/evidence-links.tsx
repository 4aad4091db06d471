import type { EvidenceFile } from '@goodtrace/contract';
import { useI18n } from '../../i18n';
import './projects.css';

/** An evidence file's kind as a word (invoice, receipt, photo…), else the raw kind. */
export function useEvidenceKind() {
  const { maybe } = useI18n();
  return (kind: string) => maybe(`evidence.${kind}`) ?? kind;
}

/** Links that open each evidence file (PDF or image) in a new tab. */
export function EvidenceLinks({ files }: { files: EvidenceFile[] }) {
  const { t } = useI18n();
  const kindOf = useEvidenceKind();
  if (files.length === 0) return <span className="muted">{t('disbursement.noEvidence')}</span>;
  return (
    <ul className="evidence-list">
      {files.map((f, i) => (
        <li key={f.sha256}>
          {/* Linked by the hash itself, the one the donor's page checks against the log. */}
          <a
            href={`/api/files/${f.sha256}`}
            target="_blank"
            rel="noopener"
            title={`SHA-256 ${f.sha256}`}
          >
            {kindOf(f.kind)} {files.length > 1 ? i + 1 : ''}
            <span className="visually-hidden"> ({t('common.opensNewTab')})</span>
          </a>
        </li>
      ))}
    </ul>
  );
}
