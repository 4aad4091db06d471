import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateSignerKey } from '@goodtrace/ledger';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordDisbursement } from '../../server/src/spending/record-disbursement.js';
import {
  type Client,
  createStaff,
  startTestApp,
  type TestApp,
  testLogOrigin,
} from '../../server/test/support/app.js';
import {
  beneficiary,
  drainLog,
  paidDonation,
  projectBody,
  providerCallback,
  samplePdf,
  upload,
  verifiedCharity,
} from '../../server/test/support/money.js';
import { startTestWitness } from '../../server/test/support/witness.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * Issue 6, the auditor's console: the auditor sees the log's health (a real witness, its lag)
 * and an anomaly recomputed from the log, files a finding on a disbursement; the charity sees
 * it on its page and answers; the auditor sees the answer; the public transparency page shows
 * the key, the witnesses, the latest cosigned checkpoint and the audit command. Against the
 * real server serving a fresh production build, in Debian's Chromium.
 */

const DAY = 86_400_000;
const password = 'correct horse battery';
const tag = `aud${Date.now().toString(36)}`;
const ownerEmail = `owner-${tag}@example.org`;
const auditorEmail = 'auditor@console.browser.test';

let t: TestApp;
let witness: Awaited<ReturnType<typeof startTestWitness>>;
let browser: Browser;
let baseURL: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
let owner: Client;
let orgId: string;
let disbursementId: string;
let donationId: string;
const contexts: BrowserContext[] = [];

async function newPage(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({
    path: join(screenshotsDir, `audit-console-${name}.png`),
    fullPage: true,
  });
}

async function signIn(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

beforeAll(async () => {
  web = await buildWebApp();
  const key = generateSignerKey(testLogOrigin);
  witness = await startTestWitness({
    name: 'witness.browser.test',
    logKey: key.verifierKey,
    origin: testLogOrigin,
  });
  t = await startTestApp({
    env: {
      WEB_DIST_DIR: web.outDir,
      LOG_SIGNER_KEY: key.signerKey,
      LOG_WITNESSES: JSON.stringify([{ verifierKey: witness.verifierKey, url: witness.url }]),
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await createStaff(t, auditorEmail, 'auditor');

  // A charity with a published project, a donation, and a disbursement paid 40 days ago that
  // its beneficiary never confirmed (recorded through the domain function, which takes the time).
  ({ owner, orgId } = await verifiedCharity(t, tag));
  const created = await owner.post(`/api/orgs/${orgId}/projects`, projectBody());
  expect(created.statusCode, created.body).toBe(201);
  const projectId = created.json().id as string;
  const published = await owner.post(`/api/orgs/${orgId}/projects/${projectId}/publish`);
  const budget = published.json().budget as { id: string }[];
  donationId = (await paidDonation(t, projectId, 500_000)).donation.id;
  const payee = await beneficiary(owner, orgId, 'supplier');
  const sha = await upload(owner, orgId, samplePdf, 'application/pdf');
  const paidAt = new Date(Date.now() - 40 * DAY);
  ({ id: disbursementId } = await recordDisbursement(
    t.database.db,
    orgId,
    projectId,
    owner.userId!,
    {
      amount: 180_000,
      currency: 'CNY',
      budgetLineId: budget[1]!.id,
      beneficiaryId: payee,
      purpose: 'Freight of the first textbook shipment',
      date: paidAt.toISOString().slice(0, 10),
      evidence: [{ sha256: sha, kind: 'invoice' }],
    },
    paidAt,
  ));
  await drainLog(t);
  expect(await t.app.ledger.witnesses.syncAll()).toEqual([witness.name]);
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  await witness?.close();
  web?.remove();
});

const title = 'Freight never confirmed';
const body = 'Show the signed delivery note, or ask the carrier to confirm with its code.';
const answer = 'The carrier lost its code; we sent a new one and attach the delivery note.';

describe('the auditor’s console', () => {
  test('the auditor sees the health and an anomaly, and files a finding on a disbursement', async () => {
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, auditorEmail);
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('heading', { name: 'Auditor’s console', level: 1 }).waitFor();

    const health = page.getByTestId('health');
    const row = health.getByTestId('health-witness');
    await row.waitFor();
    expect(await row.textContent()).toContain(witness.name);
    const size = Number(await health.getByTestId('health-size').textContent());
    expect(size).toBeGreaterThan(0);
    expect(await row.textContent()).toContain(String(size));
    await health.getByText('No alarms', { exact: false }).waitFor();

    const anomaly = page
      .getByTestId('anomaly')
      .filter({ hasText: 'Never confirmed after 30 days' });
    await anomaly.waitFor();
    expect(await anomaly.textContent()).toContain('¥1,800.00');
    expect(await anomaly.textContent()).toContain(disbursementId);
    await shot(page, 'auditor-overview');
    await expectAccessible(page, 'the auditor’s console');

    // The charity in focus: its books, from the log, and the disbursement to file on.
    await anomaly.getByRole('link', { name: `Charity ${tag}` }).click();
    const books = page.getByTestId('books');
    await books.getByRole('heading', { name: `Books of Charity ${tag}` }).waitFor();
    const line = books
      .getByTestId('books-disbursement')
      .filter({ hasText: 'Freight of the first textbook shipment' });
    expect(await line.textContent()).toContain('Overdue');
    expect(await books.getByTestId('books-project').textContent()).toContain('¥5,000.00');
    await line.getByRole('button', { name: 'File a finding' }).click();

    // The click fills the form in a React update: wait for it rather than read at once.
    const form = page.locator('#file-finding');
    await expect.poll(() => form.getByLabel('On').inputValue()).toBe(disbursementId);
    await form.getByLabel('Severity').selectOption('high');
    await form.getByLabel('Title').fill(title);
    await form.getByLabel('What you found').fill(body);
    await form.getByRole('button', { name: 'File the finding' }).click();
    await page.getByText('The finding is filed', { exact: false }).waitFor();
    const filed = page.getByTestId('findings').getByTestId('finding').filter({ hasText: title });
    await filed.waitFor();
    expect(await filed.getByTestId('finding-status').textContent()).toBe('Open');
    expect(await filed.textContent()).toContain('Freight of the first textbook shipment');
    await shot(page, 'auditor-filed');
    await expectAccessible(page, 'the console with a charity’s books and a finding filed');

    const [row0] = await t.database.db.selectFrom('findings').select(['disbursement_id']).execute();
    expect(row0?.disbursement_id).toBe(disbursementId);
  });

  test('the charity sees the finding on its page and answers it; the auditor sees the answer', async () => {
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, ownerEmail);
    await page.goto(`/charities/${orgId}`);
    const panel = page.locator('.findings-panel');
    const finding = panel.getByTestId('finding').filter({ hasText: title });
    await finding.waitFor();
    expect(await finding.textContent()).toContain(body);
    await finding.getByLabel('Your answer').fill(answer);
    await finding.getByRole('button', { name: 'Send the answer' }).click();
    await panel.getByText('Your answer is sent', { exact: false }).waitFor();
    await finding.getByTestId('finding-answer').filter({ hasText: answer }).waitFor();
    expect(await finding.getByTestId('finding-status').textContent()).toBe('Answered');
    await shot(page, 'charity-answered');
    await expectAccessible(page, 'a charity’s page with a finding answered');

    // Another charity's member would not see it: the API refuses, so the panel would be empty.
    const auditor = await newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(auditor, auditorEmail);
    await auditor.goto(`/audit?org=${orgId}`);
    const seen = auditor.getByTestId('findings').getByTestId('finding').filter({ hasText: title });
    await seen.getByTestId('finding-answer').filter({ hasText: answer }).waitFor();
    expect(await seen.getByTestId('finding-status').textContent()).toBe('Answered');
    await shot(auditor, 'auditor-sees-answer');
    await expectAccessible(auditor, 'the console with an answer');

    // On a phone, in Chinese, nothing runs off the screen.
    const zh = await newPage({ viewport: { width: 375, height: 740 } });
    await signIn(zh, auditorEmail);
    await zh.getByRole('button', { name: 'Switch the language to Chinese' }).click();
    await zh.goto(`/audit?org=${orgId}`);
    await zh.getByRole('heading', { name: '审计控制台', level: 1 }).waitFor();
    await zh.getByTestId('finding').first().waitFor();
    // Which elements stick out, should any: named in the failure message.
    const wide = await zh.evaluate(() =>
      Array.from(document.querySelectorAll('main *'))
        .filter((e) => e.getBoundingClientRect().right > 376)
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    expect(
      await zh.evaluate(() => document.documentElement.scrollWidth),
      wide.join(', '),
    ).toBeLessThanOrEqual(375);
    await shot(zh, 'phone-zh-CN');
    await expectAccessible(zh, 'the auditor’s console (zh-CN)');
  });

  test('the public transparency page shows the key, the witnesses, the latest cosigned checkpoint and the audit command', async () => {
    await drainLog(t);
    await t.app.ledger.witnesses.syncAll();
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto('/transparency');
    const logKey = (await (await fetch(`${baseURL}/log/key`)).text()).trim();
    await page.getByTestId('verifier-key').waitFor();
    expect(await page.getByTestId('verifier-key').textContent()).toBe(logKey);
    expect(await page.getByTestId('witness').textContent()).toContain(witness.name);

    const cosigned = page.getByTestId('cosigned');
    await cosigned.getByRole('heading', { name: 'Latest cosigned checkpoint' }).waitFor();
    await cosigned.getByTestId('cosigned-note').waitFor();
    expect(await cosigned.getByTestId('cosigned-note').textContent()).toContain(
      `— ${witness.name} `,
    );
    await cosigned
      .getByTestId('cosigned-witness')
      .getByText('Cosignature verified in your browser')
      .waitFor();

    const command = await page.getByTestId('audit-command').textContent();
    expect(command).toBe(
      `npm run goodtrace -- audit ${baseURL} --log-key '${logKey}' --witness '${witness.verifierKey}'`,
    );
    await page.getByRole('button', { name: 'Copy the audit command' }).waitFor();
    await page.getByTestId('audit-command').scrollIntoViewIfNeeded();
    await shot(page, 'transparency');
    await expectAccessible(page, 'the transparency page with a cosigned checkpoint');
  });

  test('a refund of money already spent shows in the books what the charity owes', async () => {
    // The donation the freight was paid from is refunded: ¥1,800 of it had been spent.
    const refunded = await providerCallback(t, 'payment.refunded', donationId);
    expect(refunded.json()).toMatchObject({ outcome: 'refunded' });
    await drainLog(t);
    const page = await newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, auditorEmail);
    await page.goto(`/audit?org=${orgId}`);
    const books = page.getByTestId('books');
    await books.getByRole('columnheader', { name: 'Owed' }).waitFor();
    expect(await books.getByTestId('books-owed').textContent()).toBe('¥1,800.00');
    await shot(page, 'books-owed');
    await expectAccessible(page, 'the books with money owed');

    const zh = await newPage({ viewport: { width: 390, height: 800 } });
    await signIn(zh, auditorEmail);
    await zh.getByRole('button', { name: 'Switch the language to Chinese' }).click();
    await zh.goto(`/audit?org=${orgId}`);
    await zh.getByTestId('books').getByRole('columnheader', { name: '欠款' }).waitFor();
    expect(await zh.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(zh, 'phone-books-owed-zh-CN');
    await expectAccessible(zh, 'the books with money owed (zh-CN)');
  });
});
