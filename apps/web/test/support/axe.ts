import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Accessibility checks for the browser tests: axe-core (Deque's rules for WCAG 2.x A and AA
 * and best practice) run in the page, injected as a script so the app's bundle never carries it.
 * A violation of impact serious or critical fails the test; minor and moderate ones do not.
 */

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

const FAILING: readonly ImpactValue[] = ['serious', 'critical'];

/** The widths every checked page is checked at: a phone's and a desktop's. */
export const PHONE_WIDTH = 390;
export const DESKTOP_WIDTH = 1280;

/** Runs axe on the page as it stands; the serious and critical violations, one line each. */
async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: axeSource });
  const results = (await page.evaluate(() =>
    (
      window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }
    ).axe.run(document, { resultTypes: ['violations'] }),
  )) as AxeResults;
  return results.violations
    .filter((v) => v.impact && FAILING.includes(v.impact))
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
        .join(' | ');
      return `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help} — ${nodes}`;
    });
}

/**
 * Fails on any serious or critical accessibility violation of the page, at a phone's width
 * and at a desktop's (the page is resized for the check, then given its own size back), in
 * whatever language the page shows. `what` names the page in the failure message.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const own = page.viewportSize();
  const found: string[] = [];
  for (const width of [PHONE_WIDTH, DESKTOP_WIDTH]) {
    await page.setViewportSize({ width, height: own?.height ?? 800 });
    // Let layout that depends on the width (media queries, wrapped lines) settle.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    found.push(...(await violations(page)).map((v) => `[${width}px] ${v}`));
  }
  if (own) await page.setViewportSize(own);
  expect(found, `accessibility of ${what} (${page.url()})`).toEqual([]);
}
