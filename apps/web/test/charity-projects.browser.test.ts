import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Client, startTestApp, type TestApp } from '../../server/test/support/app.js';
import {
  paidDonation,
  samplePdf,
  samplePng,
  verifiedCharity,
} from '../../server/test/support/money.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * The charity's side of the money, in Debian's Chromium against the real server (fresh
 * database): a member drafts and publishes a project, records a disbursement with an invoice
 * uploaded through the page, and the beneficiary confirms it from the one-time code without
 * an account.
 */

const password = 'correct horse battery'; // the test Client's default
const project = {
  title: 'Textbooks for Hillside School',
  summary: 'New textbooks for the 120 pupils of a village school in Yunnan.',
  story: 'The school has used the same books for ten years. We will buy a full set for grades 1–6.',
  city: 'Kunming',
  region: 'Yunnan',
  beneficiaryDescription: 'Hillside Primary School, 120 pupils',
};

let t: TestApp;
let browser: Browser;
let baseURL: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
const contexts: BrowserContext[] = [];
let orgId = '';
let ownerEmail = '';
let owner: Client;
let projectId = '';
let ackCode = '';

async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
}

async function signIn(page: Page) {
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(ownerEmail);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

let member: Page;

beforeAll(async () => {
  web = await buildWebApp();
  t = await startTestApp({ env: { WEB_DIST_DIR: web.outDir } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const charity = await verifiedCharity(t, 'cp');
  orgId = charity.orgId;
  owner = charity.owner;
  ownerEmail = 'owner-cp@example.org';
  browser = await launchChromium();
  member = await newPage();
  await signIn(member);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  web?.remove();
});

describe('projects and spending, charity side', () => {
  test('a member drafts a project with two budget lines and a cover, then publishes it', async () => {
    const page = member;
    await page.goto(`/charities/${orgId}`);
    await page.getByRole('region', { name: 'Projects and spending' }).waitFor();
    await expectAccessible(page, 'a charity’s page, to a member');
    await page
      .getByRole('region', { name: 'Projects and spending' })
      .getByRole('link', { name: 'Projects', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByText('No project yet.').waitFor();
    await expectAccessible(page, 'the charity’s projects, none yet');
    await page.getByRole('link', { name: 'New project' }).click();
    await page.getByRole('heading', { name: 'New project', level: 1 }).waitFor();

    await page.getByLabel('Project title').fill(project.title);
    await page.getByLabel('Summary').fill(project.summary);
    await page.getByLabel('The story').fill(project.story);
    await page.getByLabel('Cause').selectOption('education');
    await page.getByLabel('City').fill(project.city);
    await page.getByLabel('Region').fill(project.region);
    await page.getByLabel('Who benefits').fill(project.beneficiaryDescription);
    await page.getByLabel('Start date').fill('2026-01-01');
    await page.getByLabel('End date').fill('2027-06-30');
    await page.getByLabel('Goal (yuan)').fill('35,000');
    const line1 = page.getByRole('group', { name: 'Budget line 1' });
    await line1.getByLabel('What it pays for').fill('Books');
    // Three decimals cannot be fen: refused before anything is sent.
    await line1.getByLabel('Amount (yuan)').fill('30000.005');
    await page.getByRole('button', { name: 'Add a budget line' }).click();
    const line2 = page.getByRole('group', { name: 'Budget line 2' });
    await line2.getByLabel('What it pays for').fill('Transport');
    await line2.getByLabel('Amount (yuan)').fill('5000.10');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('alert').getByText('Please correct the highlighted fields.').waitFor();
    await line1.getByText('Enter an amount in yuan, like 1200 or 35.50').waitFor();
    await expectAccessible(page, 'the project form with errors');
    await line1.getByLabel('Amount (yuan)').fill('29999.90');
    await page.getByText('Budget total: ¥35,000.00').waitFor();

    // A GIF is refused for the cover before upload; a PNG uploads.
    const cover = page.getByLabel('Cover image');
    await cover.setInputFiles({
      name: 'cover.gif',
      mimeType: 'image/gif',
      buffer: Buffer.from('GIF89a'),
    });
    await page.getByText('Choose a JPEG or PNG image.').waitFor();
    await cover.setInputFiles({ name: 'school.png', mimeType: 'image/png', buffer: samplePng });
    await page.getByText('✓ Uploaded', { exact: true }).waitFor();
    await page.getByRole('img', { name: 'The new cover image' }).waitFor();
    await expectAccessible(page, 'the project form with a cover');

    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved. Publish it when it is ready.').waitFor();
    await page.getByRole('heading', { name: 'Edit project', level: 1 }).waitFor();
    await page.getByText('Draft', { exact: true }).waitFor();
    projectId = /projects\/([0-9a-f-]{36})\/edit/.exec(page.url())![1]!;
    await page.getByText('writes its title, goal and budget to the public log').waitFor();
    await shot(page, 'cp-1-project-draft');
    await expectAccessible(page, 'a draft project’s form');

    await page.getByRole('button', { name: 'Publish project' }).click();
    await page.getByText('The project is published and open for donations.').waitFor();
    const item = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: project.title }) });
    await item.getByText('Published', { exact: true }).waitFor();
    await item.getByText('¥35,000.00').waitFor();
    await expectAccessible(page, 'the charity’s projects');

    const saved = (await owner.get(`/api/orgs/${orgId}/projects/${projectId}`)).json();
    expect(saved).toMatchObject({
      status: 'published',
      goal: { amount: 3_500_000, currency: 'CNY' },
      coverUrl: expect.stringMatching(/^\/api\/files\/[0-9a-f]{64}$/),
    });
    expect(saved.budget.map((l: { label: string; amount: number }) => [l.label, l.amount])).toEqual(
      [
        ['Books', 2_999_990],
        ['Transport', 500_010],
      ],
    );
  });

  test('a published budget changes only with a reason, said to be public', async () => {
    const page = member;
    await page.goto(`/charities/${orgId}/projects/${projectId}/edit`);
    await page.getByText('Fixed once the project is published.').first().waitFor();
    await expect(page.getByLabel('Start date').isDisabled()).resolves.toBe(true);
    await page
      .getByRole('group', { name: 'Budget line 2' })
      .getByLabel('Amount (yuan)')
      .fill('6000');
    await page.getByText('the new budget and your reason go on the public log').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Say why the budget changes: donors will see it.').waitFor();
    await expectAccessible(page, 'a published project’s form, a reason missing');
    await page
      .getByLabel('Reason for changing the budget')
      .fill('The road to the school was washed away: transport costs more.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Project saved.').waitFor();
    const saved = (await owner.get(`/api/orgs/${orgId}/projects/${projectId}`)).json();
    expect(saved.budget[1]).toMatchObject({ label: 'Transport', amount: 600_000 });
  });

  test('a member records a disbursement with an uploaded invoice and gets the code once', async () => {
    // Two paid donations (¥300 then ¥500): FIFO takes the older one first.
    await paidDonation(t, projectId, 30_000);
    await paidDonation(t, projectId, 50_000);

    const page = member;
    // A person's name is never public: the page says so as it is added.
    await page.goto(`/charities/${orgId}/beneficiaries`);
    await page.getByText('A person’s name never is').waitFor();
    await page.getByLabel('Kind').selectOption('person');
    await page.getByLabel('Name').fill('Zhao Lei');
    await page.getByText('Kept private: never put on the public log.').waitFor();
    await page.getByLabel('Region').fill('Lancang county');
    await page.getByRole('button', { name: 'Add beneficiary' }).click();
    await page.getByText('Zhao Lei was added.').waitFor();
    await page.getByText('Shown publicly as “a person in Lancang county”.').waitFor();
    await expectAccessible(page, 'the beneficiaries page');

    await page.goto(`/charities/${orgId}/projects`);
    await page.getByRole('link', { name: 'Record a disbursement' }).click();
    await page.getByRole('heading', { name: 'Record a disbursement', level: 1 }).waitFor();
    await page.getByText('Unspent balance of this project: ¥800.00').waitFor();
    await expectAccessible(page, 'the disbursement form');

    // The payee is added without leaving the form.
    await page.getByRole('button', { name: 'Add a new beneficiary' }).click();
    const inline = page.getByRole('group', { name: 'Add a beneficiary' });
    await inline.getByLabel('Kind').selectOption('school');
    await inline.getByLabel('Name').fill('Hillside Primary School');
    await inline.getByLabel('Region').fill('Yunnan');
    await inline.getByRole('button', { name: 'Add beneficiary' }).click();
    await expect.poll(() => page.getByLabel('Paid to').inputValue()).toMatch(/^[0-9a-f-]{36}$/);

    await page.getByLabel('Amount paid (yuan)').fill('900');
    await page
      .getByLabel('Budget line')
      .selectOption({ label: 'Books — ¥0.00 of ¥29,999.90 spent' });
    await page.getByLabel('What it paid for').fill('Textbooks for grades 1–3');
    const evidence = page.getByLabel('Evidence files');
    // Renamed files are caught by their content on the server.
    await evidence.setInputFiles({
      name: 'invoice.pdf',
      mimeType: 'application/pdf',
      buffer: samplePng,
    });
    await page.getByText('This file’s content is not what its name says').waitFor();
    await expectAccessible(page, 'the disbursement form, a file refused');
    await page.getByRole('button', { name: 'Remove invoice.pdf' }).click();
    await evidence.setInputFiles([
      { name: 'invoice-0042.pdf', mimeType: 'application/pdf', buffer: samplePdf },
      { name: 'delivery.png', mimeType: 'image/png', buffer: samplePng },
    ]);
    await page.getByText('✓ Uploaded', { exact: true }).nth(1).waitFor();
    await expect(page.getByLabel('Kind of invoice-0042.pdf').inputValue()).resolves.toBe('invoice');
    await expect(page.getByLabel('Kind of delivery.png').inputValue()).resolves.toBe('photo');

    // More than the unspent balance is refused before sending.
    await page.getByRole('button', { name: 'Record disbursement' }).click();
    await page.getByText('The project’s unspent balance is smaller than this amount.').waitFor();
    await expectAccessible(page, 'the disbursement form, too much');
    await page.getByLabel('Amount paid (yuan)').fill('400.00');
    await page.getByRole('button', { name: 'Record disbursement' }).click();

    await page.getByRole('heading', { name: 'Disbursement recorded' }).waitFor();
    await page.getByText('This code is shown once — hand it to the beneficiary now.').waitFor();
    ackCode = (await page.getByTestId('ack-code').textContent())!.trim();
    expect(ackCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    expect(await page.getByTestId('ack-link').textContent()).toBe(`${baseURL}/ack/${ackCode}`);
    await page.getByRole('button', { name: 'Copy code' }).waitFor();
    await page.getByRole('button', { name: 'Copy link' }).waitFor();
    // ¥400 = all of the ¥300 donation and ¥100 of the ¥500 one.
    expect(await page.getByTestId('allocation-summary').textContent()).toBe(
      'Drawn from 2 donations (¥400.00), oldest first.',
    );
    await shot(page, 'cp-2-disbursement-code');
    await expectAccessible(page, 'a disbursement recorded, with its code');

    await page.getByRole('link', { name: 'Back to projects' }).click();
    const item = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: project.title }) });
    // Spent ¥400.00 and ¥400.00 left.
    await expect.poll(() => item.getByText('¥400.00', { exact: true }).count()).toBe(2);
    await page.getByRole('link', { name: 'Download the books (Excel)' }).waitFor();
    expect(await page.getByRole('link', { name: 'Disbursements (CSV)' }).getAttribute('href')).toBe(
      `/api/orgs/${orgId}/books/disbursements.csv`,
    );
  });

  test('the beneficiary confirms with a photo, without an account; the code works once', async () => {
    const page = await newPage();
    await page.goto(`/ack/${ackCode.toLowerCase()}`);
    await page.getByRole('heading', { name: 'Did you receive this money?' }).waitFor();
    await page.getByText('¥400.00').waitFor();
    await page.getByText('Textbooks for grades 1–3').waitFor();
    await page.getByText('Hillside Primary School').waitFor();
    await page.getByText(project.title).waitFor();
    await page.getByLabel('A note').fill('Received in full, thank you.');
    await page
      .getByLabel('A photo')
      .setInputFiles({ name: 'books.png', mimeType: 'image/png', buffer: samplePng });
    await page.getByText('✓ Uploaded', { exact: true }).waitFor();
    await shot(page, 'cp-3-ack-page');
    await expectAccessible(page, 'the acknowledgement page with a photo');
    await page.getByRole('button', { name: 'Confirm I received this' }).click();
    await page
      .getByRole('heading', { name: 'Thank you — your confirmation is recorded' })
      .waitFor();
    await page.getByText('It is now on Goodtrace’s public log').waitFor();
    await expectAccessible(page, 'the acknowledgement, confirmed');

    const again = await newPage();
    await again.goto(`/ack/${ackCode}`);
    await again.getByText(/^Already confirmed on /).waitFor();
    expect(await again.getByRole('button', { name: 'Confirm I received this' }).count()).toBe(0);
    await expectAccessible(again, 'an acknowledgement already confirmed');

    const [disbursement] = (
      await t.app.inject({ method: 'GET', url: `/api/projects/${projectId}/disbursements` })
    ).json().items;
    expect(disbursement).toMatchObject({
      amount: 40_000,
      payee: { kind: 'school', name: 'Hillside Primary School' },
      acknowledgement: {
        note: 'Received in full, thank you.',
        photoUrl: expect.stringMatching(/^\/api\/files\/[0-9a-f]{64}$/),
      },
    });
    expect(disbursement.evidence.map((e: { kind: string }) => e.kind)).toEqual([
      'invoice',
      'photo',
    ]);
  });

  test('a wrong code says the link is not valid; a code can be typed by hand', async () => {
    const page = await newPage();
    await page.goto('/ack/ABCDE-FGHJK-MNPQR');
    await page.getByText('This link is not valid.').waitFor();
    await expectAccessible(page, 'an acknowledgement link not valid');
    await page.goto('/ack');
    await page.getByLabel('Confirmation code', { exact: true }).fill('abc');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('A code has 15 letters and digits').waitFor();
    await expectAccessible(page, 'the code form with an error');
    await page
      .getByLabel('Confirmation code', { exact: true })
      .fill(ackCode.replaceAll('-', ' ').toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`**/ack/${ackCode}`);
    await page.getByText(/^Already confirmed on /).waitFor();
  });

  test('the pages work at phone width, in Chinese too', async () => {
    const phone = await newPage({ viewport: { width: 375, height: 740 } });
    await phone.goto('/sign-in');
    await phone.getByLabel('Email', { exact: true }).fill(ownerEmail);
    await phone.getByLabel('Password', { exact: true }).fill(password);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('button', { name: 'Sign out' }).waitFor();
    for (const [path, heading, name] of [
      [`/charities/${orgId}/projects`, 'Projects', 'cp-4-phone-projects'],
      [`/charities/${orgId}/projects/${projectId}/edit`, 'Edit project', 'cp-4-phone-edit'],
      [
        `/charities/${orgId}/projects/${projectId}/disburse`,
        'Record a disbursement',
        'cp-4-phone-disburse',
      ],
      [`/charities/${orgId}/beneficiaries`, 'Beneficiaries', 'cp-4-phone-beneficiaries'],
    ] as const) {
      await phone.goto(path);
      await phone.getByRole('heading', { name: heading, level: 1 }).waitFor();
      expect(await pageWidth(phone), path).toBeLessThanOrEqual(375);
      await expectAccessible(phone, path);
      await shot(phone, name);
    }

    const zh = await newPage({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    await zh.goto(`/ack/${ackCode}`);
    await zh.getByRole('heading', { name: '您收到这笔款项了吗？' }).waitFor();
    await zh.getByText(/^已于 .* 确认。$/).waitFor();
    expect(await pageWidth(zh)).toBeLessThanOrEqual(375);
    await shot(zh, 'cp-5-phone-ack-zh-CN');
    await expectAccessible(zh, 'the acknowledgement page (zh-CN)');
  });
});
