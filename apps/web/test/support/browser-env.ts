import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

/** Shared set-up of the web app's browser tests: a production build and Debian's Chromium. */

const webRoot = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/** Screenshots go under test-results/ at the repository root (git-ignored). */
export const screenshotsDir = join(repoRoot, 'test-results', 'screenshots');

/** Builds the web app as `npm start` serves it, into a temp folder; remove() deletes it. */
export async function buildWebApp(): Promise<{ outDir: string; remove(): void }> {
  mkdirSync(screenshotsDir, { recursive: true });
  const outDir = mkdtempSync(join(tmpdir(), 'goodtrace-web-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production'; // a production React build
  try {
    await build({ root: webRoot, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

/** Debian's Chromium, never a downloaded browser; these flags keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
