import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n';

/**
 * A button that copies `value` (a key, a command, a one-time code) and says so, on the button
 * and to screen readers. Without the Clipboard API (a page served over plain HTTP) it selects
 * the text shown in `selectId` instead: the browser may still copy the selection, else the
 * person copies it by hand, and is told which.
 *
 * `label` names the button for everyone; `shortLabel`, when given, is what it shows (a "Copy"
 * beside a key whose heading already says what it is).
 */
export function CopyButton({
  value,
  label,
  shortLabel,
  selectId,
}: {
  value: string;
  label: string;
  shortLabel?: string;
  selectId: string;
}) {
  const { t } = useI18n();
  const [done, setDone] = useState<'copied' | 'selected' | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  function show(outcome: 'copied' | 'selected') {
    setDone(outcome);
    clearTimeout(timer.current);
    // Long enough to read; cleared so that copying again is announced again.
    timer.current = setTimeout(() => setDone(null), 2500);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      show('copied');
    } catch {
      const el = document.getElementById(selectId);
      const selection = window.getSelection();
      if (!el || !selection) return;
      selection.selectAllChildren(el);
      // The older copy command works on the selection where the Clipboard API is missing.
      let copied = false;
      try {
        copied = document.execCommand('copy');
      } catch {
        copied = false;
      }
      show(copied ? 'copied' : 'selected');
    }
  }

  return (
    <>
      <button
        type="button"
        className="button button-secondary button-small"
        aria-label={label}
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
    </>
  );
}
