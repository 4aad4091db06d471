import { verifyCommandLine } from '@goodtrace/verify';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import './projects.css';

/**
 * A receipt's files — the JSON that `goodtrace verify` checks and the printable PDF — and the
 * command to check it without trusting this site. `extra` goes between the two (the donor's
 * page adds the file with their secret), `note` under them.
 */
export function ReceiptFiles({
  donationId,
  lead,
  extra,
  note,
}: {
  donationId: string;
  lead: string;
  extra?: ReactNode;
  note?: ReactNode;
}) {
  const { t } = useI18n();
  const id = encodeURIComponent(donationId);
  return (
    <>
      <div className="download-buttons">
        <a
          className="button button-secondary"
          href={`/api/receipts/${id}`}
          download={`goodtrace-receipt-${donationId}.json`}
        >
          {t('receipt.json')}
        </a>
        {extra}
        <a
          className="button button-secondary"
          href={`/api/receipts/${id}/pdf`}
          target="_blank"
          rel="noopener"
        >
          {t('receipt.pdf')}
        </a>
      </div>
      {note}
      <p className="small">
        {lead} <code className="command">{verifyCommandLine(window.location.origin)}</code>
      </p>
    </>
  );
}
