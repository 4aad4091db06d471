import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n';

/**
 * Text to copy (a key, a command, a one-time code or link) shown with a button that copies it
 * and says so, on the button and to screen readers. Without the Clipboard API (a page served
 * over plain HTTP) the button selects the text instead and tries the browser's copy command on
 * the selection; if that fails too, it tells the person to copy the selection by hand.
 *
 * `label` names the button for everyone; `shortLabel`, when given, is what it shows (a "Copy"
 * beside a key whose heading already says what it is). `className` styles the text.
 */
export function CopyableText({
  value,
  label,
  shortLabel,
  className,
  testId,
  as: Row = 'div',
}: {
  value: string;
  label: string;
  shortLabel?: string;
  className: string;
  testId?: string;
  /** `dd` inside a description list. */
  as?: 'div' | 'dd';
}) {
  const { t } = useI18n();
  const text = useRef<HTMLElement>(null);
  const [done, setDone] = useState<'copied' | 'selected' | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  function show(outcome: 'copied' | 'selected') {
    setDone(outcome);
    clearTimeout(timer.current);
    // Long enough to read; then cleared, so that copying again is announced again.
    timer.current = setTimeout(() => setDone(null), 2500);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      show('copied');
    } catch {
      const selection = window.getSelection();
      if (!text.current || !selection) return;
      selection.selectAllChildren(text.current);
      let copied = false;
      try {
        copied = document.execCommand('copy');
      } catch {
        // Refused: the selection stays for a copy by hand.
      }
      show(copied ? 'copied' : 'selected');
    }
  }

  return (
    <Row className="key-row">
      <code ref={text} className={className} data-testid={testId}>
        {value}
      </code>
      <button
        type="button"
        className="button button-secondary button-small"
        // The name starts with what the button shows (WCAG 2.5.3), "Copied" while it says so.
        aria-label={done === 'copied' ? `${t('common.copied')} — ${label}` : label}
        onClick={() => void copy()}
      >
        {done === 'copied' ? `✓ ${t('common.copied')}` : (shortLabel ?? label)}
      </button>
      <span role="status" className="visually-hidden">
        {done === 'copied'
          ? t('common.copied')
          : done === 'selected'
            ? t('common.copySelected')
            : ''}
      </span>
    </Row>
  );
}
