import type { Check, FactResult, Trust, Vars, VerifyErrorCode } from '@goodtrace/verify';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { loadLogTrust } from '../../log-trust';
import { useMoney } from '../../use-money';

/**
 * What the receipt pages (the donor's /donations/:id and the public /receipts/:id) share: the
 * keys they trust, read from what the server publishes, and a fact's mark with the list of
 * checks @goodtrace/verify made on its receipt in the browser, each with its own mark. The
 * checks and their reasons are the package's; this file only says them in the page's language.
 */

/** The keys a page trusts (log-trust.ts), and the log key's name for the check labels. */
export type TrustLoad = { trust: Trust; keyName: string } | { error: VerifyErrorCode };

export async function loadTrust(): Promise<TrustLoad> {
  const log = await loadLogTrust();
  // The server contradicts itself, or serves keys that do not parse: nothing can be verified.
  if ('error' in log) return { error: log.error };
  return { trust: log.trust, keyName: log.trust.logKey.name };
}

export function useCheckLabel() {
  const { t } = useI18n();
  const money = useMoney();
  const amount = (v: Vars) =>
    typeof v.amount === 'number'
      ? money(v.amount, typeof v.currency === 'string' ? v.currency : undefined)
      : '';
  return (c: Check, keyName: string): string => {
    const v = c.vars ?? {};
    switch (c.name) {
      case 'receipt':
        return t('verify.check.receipt');
      case 'logSignature':
        return t('verify.check.logSignature', { key: v.key ?? keyName });
      case 'origin':
        return t('verify.check.origin', { origin: v.origin ?? '' });
      case 'witnesses':
        return t('verify.check.witnesses', { k: v.k ?? '?', n: v.n ?? 0 });
      case 'inclusion':
        return t('verify.check.inclusion', { size: v.size ?? '?', index: v.index ?? '?' });
      case 'event':
        return t('verify.check.event', { id: String(v.donationId ?? ''), amount: amount(v) });
      case 'donor':
        return t('verify.check.donor');
      case 'allocation':
        return t('verify.check.allocation', { amount: amount(v) });
      case 'details':
        return t('verify.check.details');
      case 'acknowledgement':
        return t('verify.check.acknowledgement');
      case 'unspent':
        return t('verify.check.unspent', {
          donated: typeof v.donated === 'number' ? money(v.donated) : '',
          allocated: typeof v.allocated === 'number' ? money(v.allocated) : '',
          amount: amount(v),
        });
    }
  };
}

/** A reason in words: the check's own wording of it first (a witness's bad signature is not the log's). */
export function useReason() {
  const { maybe } = useI18n();
  return (reason: string | undefined, vars?: Vars, check?: string) =>
    reason
      ? ((check ? maybe(`verify.reason.${check}.${reason}`, vars) : null) ??
        maybe(`verify.reason.${reason}`, vars) ??
        reason)
      : '';
}

/** The mark beside a fact: verified only when every check on its receipt passed here. */
export function FactMark({ fact, testId }: { fact: FactResult | null; testId: string }) {
  const { t } = useI18n();
  const reason = useReason();
  if (!fact || fact.state === 'waiting') {
    return (
      <span className="fact-mark fact-waiting" data-testid={testId} data-state="waiting">
        <span className="spinner spinner-small" aria-hidden="true" />
        {fact?.reason === 'quorum_not_met' ? t('verify.waitingWitnesses') : t('verify.waiting')}
      </span>
    );
  }
  if (fact.state === 'verified') {
    return (
      <span className="fact-mark fact-verified" data-testid={testId} data-state="verified">
        <span aria-hidden="true">✓ </span>
        {t('verify.verified')}
      </span>
    );
  }
  const failing = fact.checks.find((c) => !c.ok);
  return (
    <span className="fact-mark fact-failed" data-testid={testId} data-state="failed" role="alert">
      <span aria-hidden="true">✗ </span>
      {t('verify.failed', { reason: reason(fact.reason, failing?.vars, failing?.name) })}
    </span>
  );
}

/** The checks made on one receipt, each with its own mark. */
export function CheckList({ fact, keyName }: { fact: FactResult; keyName: string }) {
  const label = useCheckLabel();
  const reason = useReason();
  if (fact.checks.length === 0) return null;
  return (
    <ul className="plain-list check-list">
      {fact.checks.map((c) => (
        <li
          key={`${c.name}-${c.vars?.field ?? ''}`}
          className={c.ok ? 'check-line check-line-ok' : 'check-line check-line-failed'}
          data-testid="check"
          data-check={c.name}
          data-ok={c.ok}
        >
          <span className="check-line-icon" aria-hidden="true">
            {c.ok ? '✓' : '✗'}
          </span>
          <span>
            {label(c, keyName)}
            {!c.ok && (
              <span className="check-line-reason"> — {reason(c.reason, c.vars, c.name)}</span>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Fact({
  title,
  fact,
  keyName,
  testId,
  children,
  openChecks = false,
}: {
  title: ReactNode;
  fact: FactResult | null;
  keyName: string;
  testId: string;
  children?: ReactNode;
  /** List the checks in the open rather than folded away. */
  openChecks?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className={`fact fact-${fact?.state ?? 'waiting'}`}>
      <div className="fact-head">
        <div className="fact-title">{title}</div>
        <FactMark fact={fact} testId={testId} />
      </div>
      {children}
      {fact && fact.checks.length > 0 && openChecks && (
        <div data-testid={`${testId}-checks`}>
          <CheckList fact={fact} keyName={keyName} />
        </div>
      )}
      {fact && fact.checks.length > 0 && !openChecks && (
        <details className="fact-checks" open={fact.state === 'failed'}>
          <summary>
            {t('verify.checksMade', { count: fact.checks.length })}
            {fact.entry && ` · ${t('verify.entry', { index: fact.entry.leafIndex })}`}
          </summary>
          <CheckList fact={fact} keyName={keyName} />
        </details>
      )}
    </div>
  );
}
