import type { ProjectFlow } from '@goodtrace/contract';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { useMoney } from '../../use-money';
import './projects.css';

type Segment = { key: string; label: string; amount: number; className: string };

/**
 * The money flow as a picture: one bar for what came in (raised, refunded) and one for where
 * it is (spent and confirmed, spent awaiting confirmation, unspent). Both bars share a scale,
 * so a yuan is as wide in either. The table beside it says the same in numbers.
 *
 * A donation refunded after part of it was spent (docs/money.md, "Payment callbacks in any
 * order") left the project whole, but its spent part went to beneficiaries: the charity owes
 * it. Then raised − refunded + owed = spent + unspent, so the refunded part of the first bar is
 * split into what was owed (already spent, under the second bar's spending) and the rest.
 */
export function MoneyFlow({ flow }: { flow: ProjectFlow }) {
  const { t } = useI18n();
  const money = useMoney();
  const received = flow.raised;
  const awaiting = Math.max(0, flow.spent - flow.confirmed);
  const owed = flow.owed > 0;
  const incoming: Segment[] = [
    {
      key: 'net',
      label: t('flow.netRaised'),
      amount: flow.raised - flow.refunded,
      className: 'seg-raised',
    },
    ...(owed
      ? [
          {
            key: 'owed',
            label: t('flow.refundedSpent'),
            amount: flow.owed,
            className: 'seg-owed',
          },
        ]
      : []),
    {
      key: 'refunded',
      label: owed ? t('flow.refundedUnspent') : t('flow.refunded'),
      amount: flow.refunded - flow.owed,
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
          {owed && (
            <tr className="owed-row" data-testid="flow-owed">
              <th scope="row">{t('flow.owed')}</th>
              <td>{money(flow.owed)}</td>
            </tr>
          )}
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
      {owed && (
        <p className="small muted flow-note" data-testid="flow-owed-note">
          {t('flow.owedNote', { amount: money(flow.owed) })}
        </p>
      )}
    </div>
  );
}
