import type { ReactNode } from 'react';

/**
 * A table that may be wider than a phone's screen, in a region of its own that scrolls
 * sideways (a named section is a region). The region takes the keyboard's focus, so that someone without a mouse or touch
 * can scroll it with the arrow keys (WCAG 2.1.1), and is named after the heading it sits under.
 */
export function TableScroll({
  labelledBy,
  children,
}: {
  /** The id of the heading that names the table (its own, not its card's: regions differ by name). */
  labelledBy: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-scroll" aria-labelledby={labelledBy} tabIndex={0}>
      {children}
    </section>
  );
}
