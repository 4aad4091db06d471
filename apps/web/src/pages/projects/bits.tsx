import type { EvidenceFile, ProjectFlow } from '@goodtrace/contract';
import { type ReactNode, useMemo } from 'react';
import { useI18n } from '../../i18n';
import { formatFen, percentOf } from '../../money';
import './projects.css';

/** Small pieces the donor-side pages share: amounts, dates, progress, the money flow. */

/** Formats fen for the current language: money(5000) → "¥50.00". */
export function useMoney() {
  const { locale } = useI18n();
  return useMemo(
    () =>
      (fen: number, currency = 'CNY') =>
        formatFen(fen, locale, currency),
    [locale],
  );
}

/** Dates and times for the current language; a YYYY-MM-DD day stays that day in every zone. */
export function useDates() {
  const { locale } = useI18n();
  return useMemo(() => {
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const dayTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      day: (ymd: string) => {
        const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
        return m ? day.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : ymd;
      },
      dateTime: (iso: string) => dayTime.format(new Date(iso)),
    };
  }, [locale]);
}

/** Raised toward the goal, as a bar with its numbers in words for screen readers. */
export function GoalProgress({ raised, goal }: { raised: number; goal: number }) {
  const { t } = useI18n();
  const money = useMoney();
  const pct = percentOf(raised, goal);
  const label = t('projects.progressLabel', {
    raised: money(raised),
    goal: money(goal),
    percent: Math.floor(pct),
  });
  return (
    <div className="goal-progress">
      <div
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.floor(pct)}
      >
        <span className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="progress-text">
        <strong>{money(raised)}</strong>{' '}
        <span className="muted">{t('projects.ofGoal', { goal: money(goal) })}</span>
      </p>
    </div>
  );
}

type Segment = { key: string; label: string; amount: number; className: string };

/**
 * The money flow as a picture: one bar for what came in (raised, refunded) and one for where
 * it is (spent and confirmed, spent awaiting confirmation, unspent). Both bars share a scale,
 * so a yuan is as wide in either. The table beside it says the same in numbers.
 */
export function MoneyFlow({ flow }: { flow: ProjectFlow }) {
  const { t } = useI18n();
  const money = useMoney();
  const received = flow.raised;
  const awaiting = Math.max(0, flow.spent - flow.confirmed);
  const incoming: Segment[] = [
    {
      key: 'net',
      label: t('flow.netRaised'),
      amount: flow.raised - flow.refunded,
      className: 'seg-raised',
    },
    {
      key: 'refunded',
      label: t('flow.refunded'),
      amount: flow.refunded,
      className: 'seg-refunded',
    },
  ];
  const outgoing: Segment[] = [
    {
      key: 'confirmed',
      label: t('flow.confirmed'),
      amount: flow.confirmed,
      className: 'seg-confirmed',
    },
    { key: 'awaiting', label: t('flow.awaiting'), amount: awaiting, className: 'seg-awaiting' },
    { key: 'unspent', label: t('flow.unspent'), amount: flow.unspent, className: 'seg-unspent' },
  ];
  const scale = Math.max(received, flow.spent + flow.unspent, 1);
  const bar = (segments: Segment[], title: string) => (
    <div className="flow-row">
      <p className="flow-row-title">{title}</p>
      <svg
        className="flow-bar"
        viewBox="0 0 1000 40"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${title}: ${segments
          .filter((s) => s.amount > 0)
          .map((s) => `${s.label} ${money(s.amount)}`)
          .join(', ')}`}
      >
        <rect x="0" y="0" width="1000" height="40" className="seg-track" rx="6" />
        {
          segments.reduce<{ x: number; nodes: ReactNode[] }>(
            (acc, s) => {
              const w = (s.amount / scale) * 1000;
              if (w > 0)
                acc.nodes.push(
                  <rect
                    key={s.key}
                    x={acc.x}
                    y="0"
                    width={w}
                    height="40"
                    className={s.className}
                  />,
                );
              acc.x += w;
              return acc;
            },
            { x: 0, nodes: [] },
          ).nodes
        }
      </svg>
    </div>
  );
  return (
    <div className="money-flow">
      <div className="flow-picture" data-testid="money-flow">
        {bar(incoming, t('flow.in'))}
        {bar(outgoing, t('flow.out'))}
        <ul className="flow-legend" aria-hidden="true">
          {[...incoming, ...outgoing].map((s) => (
            <li key={s.key}>
              <span className={`swatch ${s.className}`} />
              {s.label}
            </li>
          ))}
        </ul>
      </div>
      <table className="flow-table">
        <caption className="visually-hidden">{t('flow.tableCaption')}</caption>
        <tbody>
          <tr>
            <th scope="row">{t('flow.raised')}</th>
            <td>{money(flow.raised)}</td>
          </tr>
          <tr>
            <th scope="row">{t('flow.refunded')}</th>
            <td>{money(flow.refunded)}</td>
          </tr>
          <tr>
            <th scope="row">{t('flow.allocated')}</th>
            <td>{money(flow.allocated)}</td>
          </tr>
          <tr>
            <th scope="row">{t('flow.confirmed')}</th>
            <td>{money(flow.confirmed)}</td>
          </tr>
          <tr>
            <th scope="row">{t('flow.awaiting')}</th>
            <td>{money(awaiting)}</td>
          </tr>
          <tr>
            <th scope="row">{t('flow.unspent')}</th>
            <td>{money(flow.unspent)}</td>
          </tr>
          {flow.overdue.count > 0 && (
            <tr className="overdue-row">
              <th scope="row">{t('flow.overdue')}</th>
              <td>
                {money(flow.overdue.amount)} ({flow.overdue.count})
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

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

/** A payee as the public may see it: a person by kind and region only. */
export function usePayee() {
  const { t, maybe } = useI18n();
  return (p: { kind: string; region: string; name: string | null }) => {
    const kind = maybe(`payee.${p.kind}`) ?? p.kind;
    return p.name
      ? `${p.name} (${kind}, ${p.region})`
      : t('payee.private', { kind, region: p.region });
  };
}

/** The label of a log event type, else the type itself. */
export function useEventType() {
  const { maybe } = useI18n();
  return (type: string) => maybe(`event.${type}`) ?? maybe(`log.type.${type}`) ?? type;
}

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
        {lead}{' '}
        <code className="command">
          npx goodtrace verify receipt.json --log-url {window.location.origin}
        </code>
      </p>
    </>
  );
}
