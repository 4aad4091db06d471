import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../server/src/db/database.js';
import { startTestApp, type TestApp, testLogOrigin } from '../../server/test/support/app.js';
import { createTestDatabase } from '../../server/test/support/database.js';
import {
  drainLog,
  paidDonation,
  publishedProject,
  startGuestDonation,
} from '../../server/test/support/money.js';
import { startTestWitness } from '../../server/test/support/witness.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * The public receipt page /receipts/:id, the one the printable receipt's QR code opens: no
 * token, no personal data, and the receipt checked in Debian's Chromium against the real
 * server's log, cosigned by a real (test) C2SP witness, before it is marked verified.
 */

const run = Date.now().toString(36).toUpperCase();
const title = `Library books for Riverside ${run}`;

let database: Database;
let witness: Awaited<ReturnType<typeof startTestWitness>>;
let t: TestApp;
let browser: Browser;
let baseURL: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
const contexts: BrowserContext[] = [];
let project: Awaited<ReturnType<typeof publishedProject>>;
let donationId: string;
let served: {
  leafIndex: number;
  treeSize: number;
  event: { at: string; data: { donor: string; amount: number; projectId: string } };
};

async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshotsDir, `receipt-page-${name}.png`), fullPage: true });
}

/** Every check the page made on the receipt, as [name, ok]. */
async function checksOf(page: Page) {
  const lines = page.getByTestId('fact-receipt-checks').getByTestId('check');
  const out: [string, boolean][] = [];
  for (let i = 0; i < (await lines.count()); i++) {
    const line = lines.nth(i);
    out.push([
      (await line.getAttribute('data-check')) ?? '',
      (await line.getAttribute('data-ok')) === 'true',
    ]);
  }
  return out;
}

/** The log's cosigned receipt for a paid donation, once the sequencer and witness are done. */
async function cosignedReceipt(id: string) {
  await drainLog(t);
  await t.app.ledger.witnesses.syncAll();
  const res = await fetch(`${baseURL}/api/receipts/${id}`);
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  web = await buildWebApp();
  database = await createTestDatabase();
  // A first start fixes the log's key for this database; the witness must know it.
  const first = await startTestApp({ database });
  const logKey = first.app.ledger.key.verifierKey;
  await first.close();
  witness = await startTestWitness({ name: 'witness.test', logKey, origin: testLogOrigin });
  t = await startTestApp({
    database,
    env: {
      WEB_DIST_DIR: web.outDir,
      LOG_WITNESSES: JSON.stringify([{ verifierKey: witness.verifierKey, url: witness.url }]),
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  project = await publishedProject(t, { title });
  const paid = await paidDonation(t, project.project.id, 5000, {
    displayName: 'Li Lei',
    message: 'For the library',
    email: `donor-${run}@example.org`,
  });
  donationId = paid.donation.id;
  served = await cosignedReceipt(donationId);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  await witness?.close();
  await database?.close();
  web?.remove();
});

describe('the public receipt page', () => {
  test('from the project page, anyone sees the receipt with every check verified and nothing personal', async () => {
    const page = await (await newContext()).newPage();
    await page.goto(`/projects/${project.project.id}`);
    const donation = page.getByTestId('public-donation').first();
    await donation.getByRole('link', { name: 'Receipt' }).click();
    await page.waitForURL(`${baseURL}/receipts/${donationId}`);

    const mark = page.locator('[data-testid="fact-receipt"][data-state="verified"]');
    await mark.waitFor();
    expect(await mark.textContent()).toContain('Verified');
    expect(await checksOf(page)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', true],
      ['event', true],
    ]);
    const checks = await page.getByTestId('fact-receipt-checks').textContent();
    expect(checks).toContain(`Log signature by ${testLogOrigin}`);
    expect(checks).toContain(`Checkpoint of the log ${testLogOrigin}`);
    expect(checks).toContain('Witness cosignatures: 1 of 1');
    expect(checks).toContain(
      `Included in the log’s tree of size ${served.treeSize} (entry #${served.leafIndex})`,
    );
    expect(checks).toContain(`The event says this donation (${donationId}) and ¥50.00`);

    // What the log says: amount, project, time, place in the log, the donor's commitment.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('¥50.00');
    const projectLink = page.getByTestId('receipt-project');
    await projectLink.getByText(title).waitFor();
    expect(await projectLink.getAttribute('href')).toBe(`/projects/${project.project.id}`);
    expect(await page.locator('time').getAttribute('datetime')).toBe(served.event.at);
    expect(await page.getByTestId('receipt-index').textContent()).toBe(`#${served.leafIndex}`);
    expect(await page.getByTestId('receipt-tree-size').textContent()).toBe(String(served.treeSize));
    expect(await page.getByTestId('receipt-commitment').textContent()).toBe(
      served.event.data.donor,
    );
    await page.getByText('only the donor’s secret opens it').waitFor();

    // No token, and nothing about the donor but the commitment.
    expect(page.url()).not.toContain('token');
    const text = (await page.locator('main').textContent()) ?? '';
    for (const personal of ['Li Lei', 'For the library', `donor-${run}`])
      expect(text).not.toContain(personal);

    // The files, and how to check it without this page.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download receipt (JSON)' }).click();
    const file = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
    expect(file).toEqual(served);
    expect(await page.getByRole('link', { name: 'Printable PDF' }).getAttribute('href')).toBe(
      `/api/receipts/${donationId}/pdf`,
    );
    expect(await page.locator('code.command').textContent()).toBe(
      `npm run goodtrace -- verify receipt.json --log-url ${baseURL}`,
    );
    await shot(page, 'verified');
    await expectAccessible(page, 'the public receipt, verified');
  });

  test('a receipt altered on its way shows red with the reason, not verified', async () => {
    const page = await (await newContext()).newPage();
    await page.route(`**/api/receipts/${donationId}`, async (route) => {
      const response = await route.fetch();
      const receipt = await response.json();
      // A server (or anyone on the way) claiming ¥500 where the log says ¥50.
      receipt.event.data.amount = 50000;
      await route.fulfill({ response, json: receipt });
    });
    await page.goto(`/receipts/${donationId}`);
    const failed = page.locator('[data-testid="fact-receipt"][data-state="failed"]');
    await failed.waitFor();
    expect(await failed.textContent()).toContain(
      'Check failed: the event or its proof was altered',
    );
    expect(await checksOf(page)).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', false],
    ]);
    await page.getByTestId('receipt-not-verified').waitFor();
    expect(await page.locator('.fact-verified').count()).toBe(0);
    await shot(page, 'tampered');
    await expectAccessible(page, 'the public receipt, a check failed');
  });

  test('a receipt still on its way to the log says so, then verifies once it is there', async () => {
    const page = await (await newContext()).newPage();
    let answered = 0;
    await page.route(`**/api/receipts/${donationId}`, async (route) => {
      // The server's 202 for the first two asks, as while the sequencer has yet to run.
      if (++answered <= 2) return route.fulfill({ status: 202, json: { status: 'pending' } });
      return route.fulfill({ response: await route.fetch() });
    });
    await page.goto(`/receipts/${donationId}`);
    await page.getByTestId('receipt-pending').waitFor();
    await page.locator('[data-testid="fact-receipt"][data-state="verified"]').waitFor();
    expect(answered).toBeGreaterThanOrEqual(3);
  });

  test('an unknown, malformed or unpaid receipt id says there is no such receipt', async () => {
    const unpaid = await startGuestDonation(t, project.project.id, 1000);
    const page = await (await newContext()).newPage();
    for (const id of [
      '0195d3c2-9999-7000-8000-000000000000',
      'not-a-receipt',
      unpaid.donation.id,
    ]) {
      await page.goto(`/receipts/${id}`);
      await page.getByRole('heading', { name: 'No receipt with this ID', level: 1 }).waitFor();
      expect(await page.getByTestId('fact-receipt').count(), id).toBe(0);
    }
    await shot(page, 'not-found');
    await expectAccessible(page, 'no receipt with this id');
  });

  test('fits a phone in Chinese', async () => {
    const phone = await newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const page = await phone.newPage();
    await page.goto(`/receipts/${donationId}`);
    await page.locator('[data-testid="fact-receipt"][data-state="verified"]').waitFor();
    await page.getByText('已验证').first().waitFor();
    await page.getByText('这笔捐款已记入公开账本').waitFor();
    await page.getByRole('link', { name: '可打印的 PDF' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await shot(page, 'phone-zh-CN');
    await expectAccessible(page, 'the public receipt (zh-CN)');
    await page.goto('/receipts/0195d3c2-9999-7000-8000-000000000000');
    await page.getByRole('heading', { name: '没有这个编号的凭证', level: 1 }).waitFor();
    await expectAccessible(page, 'no receipt with this id (zh-CN)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
  });
});
