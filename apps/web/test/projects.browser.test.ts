import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, startTestApp, type TestApp } from '../../server/test/support/app.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  projectBody,
  providerCallback,
  publishedProject,
  samplePdf,
  samplePng,
  upload,
  verifiedCharity,
} from '../../server/test/support/money.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * The donor's side of "charities on chain", in Debian's Chromium against the real server and
 * a fresh production build: browse projects, donate with sandbox money, pay, and see the
 * browser check the donation's receipt against the log — then, once the charity spends it and
 * the payee confirms, every fact of "where did my money go" verified the same way. The
 * charity's and the payee's steps go through their own pages (pages/charity-projects, /ack).
 */

const run = Date.now().toString(36).toUpperCase();

let t: TestApp;
let browser: Browser;
let baseURL: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
const contexts: BrowserContext[] = [];

async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshotsDir, `projects-${name}.png`), fullPage: true });
}

async function pageWidth(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

/** Every check the page made on a fact, as [name, ok]. */
async function checksOf(page: Page, testId: string) {
  const lines = page.getByTestId(`${testId}-checks`).getByTestId('check');
  const n = await lines.count();
  const out: [string, boolean][] = [];
  for (let i = 0; i < n; i++) {
    const line = lines.nth(i);
    out.push([
      (await line.getAttribute('data-check')) ?? '',
      (await line.getAttribute('data-ok')) === 'true',
    ]);
  }
  return out;
}

/** Fills and sends the donation form as a guest; the form is on the page already. */
async function donateAsGuest(page: Page, opts: { email: string; name?: string; message?: string }) {
  await page.getByRole('radio', { name: '¥50', exact: true }).check();
  if (opts.name) await page.getByLabel('Name shown on the project page').fill(opts.name);
  if (opts.message) await page.getByLabel('A message').fill(opts.message);
  await page.getByLabel('Email for your receipt').fill(opts.email);
  await page.getByRole('button', { name: 'Donate ¥50.00' }).click();
}

let project: Awaited<ReturnType<typeof publishedProject>>;

beforeAll(async () => {
  web = await buildWebApp();
  t = await startTestApp({ env: { WEB_DIST_DIR: web.outDir } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  project = await publishedProject(t, {
    title: `Textbooks for Hillside School ${run}`,
    goal: { amount: 3_500_000, currency: 'CNY' },
  });
  // Someone gave before: the project has money and a public donation to show.
  await paidDonation(t, project.project.id, 20000, { displayName: 'Wang Fang', message: '加油' });
  await publishedProject(t, { title: `Clean water for Lakeside ${run}`, cause: 'health' });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  web?.remove();
});

describe('a guest donor', () => {
  test('browses to a project, donates ¥50 with sandbox money, pays, and sees every check verified', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const donationPosts: Request[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && /\/api\/projects\/[^/]+\/donations$/.test(req.url()))
        donationPosts.push(req);
    });

    await page.goto('/');
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Projects' })
      .click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByText('2 projects').waitFor();
    // Search and filter narrow the list; the search lives in the address.
    await page.getByLabel('Search', { exact: true }).fill('Hillside');
    await page.getByLabel('Cause').selectOption('education');
    await page.getByLabel('Sort by').selectOption('most_funded');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('1 project', { exact: true }).waitFor();
    expect(new URL(page.url()).search).toBe('?q=Hillside&cause=education&sort=most_funded');
    const card = page.getByRole('article', { name: `Textbooks for Hillside School ${run}` });
    expect(await card.getByRole('progressbar').getAttribute('aria-label')).toBe(
      '¥200.00 raised of ¥35,000.00 (0%)',
    );
    await shot(page, 'list');
    await expectAccessible(page, 'the projects list');
    await card.getByRole('link', { name: `Textbooks for Hillside School ${run}` }).click();

    // The project page: story, flow picture and table, budget, donations, log events.
    await page
      .getByRole('heading', { name: `Textbooks for Hillside School ${run}`, level: 1 })
      .waitFor();
    await page.getByRole('heading', { name: 'Where the money is' }).waitFor();
    await page.getByTestId('money-flow').waitFor();
    await page.getByRole('row', { name: 'Not spent yet ¥200.00' }).waitFor();
    await page.getByRole('row', { name: 'Books ¥30,000.00 ¥0.00' }).waitFor();
    const donor = page.getByTestId('public-donation').first();
    expect(await donor.textContent()).toContain('Wang Fang');
    expect(await donor.textContent()).toContain('“加油”');
    await page.getByText('Project published').waitFor();
    await page.getByText('Nothing spent yet.').waitFor();
    await shot(page, 'project');
    await expectAccessible(page, 'a project page');

    await page.getByRole('link', { name: 'Donate', exact: true }).click();
    await page.getByRole('heading', { name: 'Donate', level: 1 }).waitFor();
    // The email is required for a guest, and a custom amount is read exactly.
    await page.getByRole('radio', { name: 'Other' }).check();
    await page.getByLabel('Amount in yuan').fill('12.345');
    await page.getByRole('button', { name: 'Donate' }).click();
    await page.getByText('Enter an amount in yuan, like 88 or 35.50').waitFor();
    await page.getByText('Give an email for your receipt, or sign in.').waitFor();
    await expectAccessible(page, 'the donation form with errors');
    expect(donationPosts).toHaveLength(0);
    await page.getByLabel('Amount in yuan').fill('0.29');
    await page.getByRole('button', { name: 'Donate ¥0.29' }).waitFor();

    await donateAsGuest(page, {
      email: `donor-${run}@example.org`,
      name: 'Li Wei',
      message: 'For the kids',
    });

    // The sandbox checkout, clearly test money.
    await page.getByText('TEST MONEY — sandbox, no real funds').waitFor();
    expect(await page.getByTestId('pay-amount').textContent()).toBe('¥50.00');
    const url = new URL(page.url());
    expect(url.pathname).toMatch(/^\/donate\/pay\/[0-9a-f-]{36}$/);
    expect(url.searchParams.get('token')).toBeTruthy();
    expect(donationPosts).toHaveLength(1);
    const sent = donationPosts[0]!;
    expect(JSON.parse(sent.postData() ?? '{}')).toEqual({
      amount: 5000,
      currency: 'CNY',
      frequency: 'once',
      anonymous: false,
      displayName: 'Li Wei',
      message: 'For the kids',
      email: `donor-${run}@example.org`,
    });
    expect((await sent.allHeaders())['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await shot(page, 'sandbox-checkout');
    await expectAccessible(page, 'the sandbox checkout');
    await page.getByRole('button', { name: 'Pay (test)' }).click();

    // The donor's page: paid, then every check on its receipt made here, then verified.
    await page.waitForURL(/\/donations\/[0-9a-f-]{36}\?token=/);
    await page.getByRole('heading', { name: '¥50.00', level: 1 }).waitFor();
    await page.getByTestId('donation-status').getByText('Paid').waitFor();
    const mark = page.getByTestId('fact-donation');
    await page.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();
    expect(await mark.textContent()).toContain('Verified');
    expect(await checksOf(page, 'fact-donation')).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', true],
      ['event', true],
      ['donor', true],
    ]);
    const checks = await page.getByTestId('fact-donation-checks').textContent();
    expect(checks).toContain('Log signature by test.goodtrace.example/log');
    expect(checks).toContain('Witness cosignatures: 0 of 0');
    expect(checks).toMatch(/Included in the log’s tree of size \d+ \(entry #\d+\)/);
    expect(checks).toContain('¥50.00');
    expect(checks).toContain('Donor commitment SHA-256(secret ‖ id) matches your secret');
    await page.getByText('None of your donation has been spent yet.').waitFor();
    await page
      .locator('[data-testid="fact-unspent"][data-state="verified"]')
      .getByText('Verified')
      .waitFor();

    // Downloads: the receipt as the server gives it, and the file for `goodtrace verify`.
    await page.getByRole('link', { name: 'Download receipt (JSON)' }).waitFor();
    await page.getByRole('link', { name: 'Printable PDF' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Download receipt with your secret/ }).click();
    const file = await download;
    const body = JSON.parse(readFileSync(await file.path(), 'utf8'));
    const donationId = url.pathname.split('/').at(-1)!;
    expect(body.donor).toEqual({ secret: expect.stringMatching(/^[0-9a-f]{64}$/), donationId });
    expect(body.receipt.event.data).toMatchObject({ donationId, amount: 5000 });
    await shot(page, 'receipt-verified');
    await expectAccessible(page, 'the donor’s page, verified');

    // The same page at phone width, in Chinese: nothing wider than the screen.
    const phone = await newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const phonePage = await phone.newPage();
    await phonePage.goto(page.url().replace(baseURL, ''));
    await phonePage.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();
    await phonePage.getByText('已验证').first().waitFor();
    expect(await pageWidth(phonePage)).toBeLessThanOrEqual(375);
    await shot(phonePage, 'phone-receipt-zh-CN');
    await expectAccessible(phonePage, 'the donor’s page (zh-CN)');
    for (const path of [
      '/projects',
      `/projects/${project.project.id}`,
      `/projects/${project.project.id}/donate`,
    ]) {
      await phonePage.goto(path);
      await phonePage.getByRole('heading', { level: 1 }).waitFor();
      // Several panels load at once: wait until none still says it is loading.
      await phonePage.waitForFunction(
        () =>
          !Array.from(document.querySelectorAll('[role="status"]')).some((e) =>
            e.textContent?.includes('加载中'),
          ),
      );
      expect(await pageWidth(phonePage), path).toBeLessThanOrEqual(375);
      await expectAccessible(phonePage, `${path} (zh-CN)`);
    }
    await shot(phonePage, 'phone-donate-zh-CN');
    await phonePage.goto(url.pathname + url.search);
    await phonePage.getByText('测试资金——沙盒环境，不涉及真实资金').waitFor();
    expect(await pageWidth(phonePage)).toBeLessThanOrEqual(375);
    await shot(phonePage, 'phone-sandbox-zh-CN');
    await expectAccessible(phonePage, 'the sandbox checkout (zh-CN)');
  });

  test('a lost answer is retried with the same Idempotency-Key and makes one donation', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const keys: string[] = [];
    let dropped = false;
    await page.route('**/api/projects/*/donations', async (route) => {
      keys.push((await route.request().allHeaders())['idempotency-key'] ?? '');
      const response = await route.fetch();
      // The first donation reaches the server, but its answer never reaches the browser.
      if (!dropped) {
        dropped = true;
        expect(response.status()).toBe(201);
        await route.abort('connectionreset');
        return;
      }
      await route.fulfill({ response });
    });
    await page.goto(`/projects/${project.project.id}/donate`);
    await donateAsGuest(page, { email: `retry-${run}@example.org` });
    await page.getByRole('alert').getByText('Trying again is safe').waitFor();
    await expectAccessible(page, 'the donation form after a lost answer');
    await page.getByRole('button', { name: 'Donate ¥50.00' }).click();
    await page.getByText('TEST MONEY — sandbox, no real funds').waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const { n } = await t.database.db
      .selectFrom('donations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('donor_email', '=', `retry-${run}@example.org`.toLowerCase())
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(1);
  });

  test('a declined test payment says so and credits nothing', async () => {
    const before = (await (
      await fetch(`${baseURL}/api/projects/${project.project.id}`)
    ).json()) as {
      raised: number;
    };
    const page = await (await newContext()).newPage();
    await page.goto(`/projects/${project.project.id}/donate`);
    await donateAsGuest(page, { email: `declined-${run}@example.org` });
    await page.getByRole('button', { name: 'Simulate a declined payment' }).click();
    await page.waitForURL(/\/donations\//);
    await page.getByTestId('donation-status').getByText('Payment declined').waitFor();
    await page.getByText('The payment was declined; nothing was charged.').waitFor();
    await page.getByText('The checks run once the payment is confirmed.').waitFor();
    await expectAccessible(page, 'the donor’s page, payment declined');
    const after = (await (await fetch(`${baseURL}/api/projects/${project.project.id}`)).json()) as {
      raised: number;
    };
    expect(after.raised).toBe(before.raised);
  });

  test('a receipt altered on its way shows red with the reason, not verified', async () => {
    const paid = await paidDonation(t, project.project.id, 5000);
    await drainLog(t);
    const page = await (await newContext()).newPage();
    await page.route('**/api/donations/*/trace*', async (route) => {
      const response = await route.fetch();
      const trace = await response.json();
      // A server claiming ¥500 where the log says ¥50.
      trace.donation.amount = 50000;
      trace.donation.receipt.event.data.amount = 50000;
      await route.fulfill({ response, json: trace });
    });
    await page.goto(`/donations/${paid.donation.id}?token=${paid.accessToken}`);
    const failed = page.locator('[data-testid="fact-donation"][data-state="failed"]');
    await failed.waitFor();
    expect(await failed.textContent()).toContain(
      'Check failed: the event or its proof was altered',
    );
    expect(await checksOf(page, 'fact-donation')).toEqual([
      ['logSignature', true],
      ['origin', true],
      ['witnesses', true],
      ['inclusion', false],
    ]);
    await page.locator('[data-testid="fact-unspent"][data-state="failed"]').waitFor();
    await shot(page, 'receipt-tampered');
    await expectAccessible(page, 'the donor’s page, a check failed');
  });
});

describe('a signed-in donor', () => {
  test('gives monthly, finds it under My donations, and stops it', async () => {
    const email = `monthly-${run}@example.org`.toLowerCase();
    await new Client(t.app).signUp(email, 'correct horse battery', 'Zhao Min');
    const page = await (await newContext()).newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname !== '/sign-in');

    await page.goto(`/projects/${project.project.id}/donate`);
    // Filled in from the session once it has loaded: wait for the values, do not read at once.
    await expect.poll(() => page.getByLabel('Email for your receipt').inputValue()).toBe(email);
    await expect
      .poll(() => page.getByLabel('Name shown on the project page').inputValue())
      .toBe('Zhao Min');
    await page.getByRole('radio', { name: '¥20', exact: true }).check();
    await page.getByRole('radio', { name: 'Monthly' }).check();
    await page.getByRole('button', { name: 'Donate ¥20.00 monthly' }).click();
    await page.getByRole('button', { name: 'Pay (test)' }).click();
    await page.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();

    await page.goto('/my');
    const item = page.getByTestId('my-donation').filter({ hasText: `Hillside School ${run}` });
    await item.waitFor();
    expect(await item.textContent()).toContain('¥20.00');
    expect(await item.textContent()).toContain('Monthly: active');
    page.once('dialog', (d) => void d.accept());
    await item.getByRole('button', { name: 'Stop monthly donation' }).click();
    await page
      .getByText(`Your monthly donation to “Textbooks for Hillside School ${run}” is stopped.`)
      .waitFor();
    await item.getByText('Monthly: stopped').waitFor();
    await expectAccessible(page, 'my donations on the dashboard');
    expect(await item.getByRole('button', { name: 'Stop monthly donation' }).count()).toBe(0);
    // Signed in, the donor's page opens without the link's token.
    await item.getByRole('link').click();
    await page.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();
    await shot(page, 'my-donation');
  });
});

describe('the whole chain', () => {
  test('the charity spends with an invoice, the payee confirms from the link, and the donor sees every mark verified', async () => {
    // A fresh project, so this donation is the oldest and the disbursement takes it first.
    const tag = `chain${run}`.toLowerCase();
    const { owner, orgId } = await verifiedCharity(t, tag);
    const created = await owner.post(
      `/api/orgs/${orgId}/projects`,
      projectBody({ title: `School meals ${run}` }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const projectId = (created.json() as { id: string }).id;
    expect((await owner.post(`/api/orgs/${orgId}/projects/${projectId}/publish`)).statusCode).toBe(
      200,
    );

    const page = await (await newContext()).newPage();
    await page.goto(`/projects/${projectId}/donate`);
    await donateAsGuest(page, { email: `chain-${run}@example.org` });
    await page.getByRole('button', { name: 'Pay (test)' }).click();
    await page.waitForURL(/\/donations\//);
    await page.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();
    const donorPath = page.url().replace(baseURL, '');

    // The charity records the spending through its own pages, with an invoice.
    const charity = await (await newContext()).newPage();
    await charity.goto('/sign-in');
    await charity.getByLabel('Email', { exact: true }).fill(`owner-${tag}@example.org`);
    await charity.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await charity.getByRole('button', { name: 'Sign in' }).click();
    await charity.getByRole('button', { name: 'Sign out' }).waitFor();
    await charity.goto(`/charities/${orgId}/projects/${projectId}/disburse`);
    await charity.getByRole('heading', { name: 'Record a disbursement', level: 1 }).waitFor();
    await expectAccessible(charity, 'the disbursement form');
    await charity.getByRole('button', { name: 'Add a new beneficiary' }).click();
    const inline = charity.getByRole('group', { name: 'Add a beneficiary' });
    await inline.getByLabel('Kind').selectOption('school');
    await inline.getByLabel('Name').fill('Hillside Primary School');
    await inline.getByLabel('Region').fill('Yunnan');
    await inline.getByRole('button', { name: 'Add beneficiary' }).click();
    await expect.poll(() => charity.getByLabel('Paid to').inputValue()).toMatch(/^[0-9a-f-]{36}$/);
    await charity.getByLabel('Amount paid (yuan)').fill('30');
    await charity
      .getByLabel('Budget line')
      .selectOption({ label: 'Books — ¥0.00 of ¥30,000.00 spent' });
    await charity.getByLabel('What it paid for').fill('Lunches for grade 3, one week');
    await charity
      .getByLabel('Evidence files')
      .setInputFiles({ name: 'invoice-7.pdf', mimeType: 'application/pdf', buffer: samplePdf });
    await charity.getByText('✓ Uploaded', { exact: true }).waitFor();
    await charity.getByRole('button', { name: 'Record disbursement' }).click();
    await charity.getByRole('heading', { name: 'Disbursement recorded' }).waitFor();
    const ackLink = (await charity.getByTestId('ack-link').textContent())!.trim();
    await expectAccessible(charity, 'a disbursement recorded, with its code');

    // The donor's page notices the spending and checks it; the payee has yet to confirm.
    await page.reload();
    const item = page.getByTestId('trace-item');
    await item.getByText('Lunches for grade 3, one week').waitFor();
    await item.locator('[data-testid="fact-allocation"][data-state="verified"]').waitFor();
    await item.getByText('Awaiting confirmation').waitFor();
    await expectAccessible(page, 'the donor’s page, spending awaiting confirmation');
    await page.getByText('Not spent yet: ¥20.00').waitFor();

    // The beneficiary confirms from the link, with a note and a photo (no account).
    const payee = await (await newContext()).newPage();
    await payee.goto(ackLink.replace(baseURL, ''));
    await payee.getByRole('heading', { name: 'Did you receive this money?' }).waitFor();
    await expectAccessible(payee, 'the acknowledgement page');
    await payee.getByLabel('A note').fill('Received, thank you');
    await payee
      .getByLabel('A photo')
      .setInputFiles({ name: 'lunch.png', mimeType: 'image/png', buffer: samplePng });
    await payee.getByText('✓ Uploaded', { exact: true }).waitFor();
    await payee.getByRole('button', { name: 'Confirm I received this' }).click();
    await payee
      .getByRole('heading', { name: 'Thank you — your confirmation is recorded' })
      .waitFor();
    await expectAccessible(payee, 'the acknowledgement, confirmed');

    // Every fact of the trace, verified in the donor's browser.
    await page.goto(donorPath);
    await item.locator('[data-testid="fact-allocation"][data-state="verified"]').waitFor();
    await item.locator('[data-testid="fact-acknowledgement"][data-state="verified"]').waitFor();
    await page.locator('[data-testid="fact-unspent"][data-state="verified"]').waitFor();
    await page.locator('[data-testid="fact-donation"][data-state="verified"]').waitFor();
    expect(await item.textContent()).toContain('¥30.00 of your donation paid for');
    expect(await item.textContent()).toContain('Hillside Primary School (school, Yunnan)');
    expect(await item.textContent()).toContain('Received, thank you');
    await item.getByRole('img', { name: 'The payee’s photo' }).waitFor();
    const invoiceHref = await item.getByRole('link', { name: /Invoice/ }).getAttribute('href');
    expect(invoiceHref).toMatch(/^\/api\/files\/[0-9a-f]{64}$/);
    const invoice = await fetch(`${baseURL}${invoiceHref}`);
    expect(Buffer.from(await invoice.arrayBuffer()).equals(samplePdf)).toBe(true);
    expect(await page.locator('[data-state="failed"], [data-state="waiting"]').count()).toBe(0);
    await shot(page, 'trace-verified');
    await expectAccessible(page, 'the donor’s page, its whole trace verified');

    // The project page shows the spending confirmed, with its evidence.
    await page.goto(`/projects/${projectId}`);
    const spent = page.getByTestId('disbursement');
    await spent.getByText('Lunches for grade 3, one week').waitFor();
    await spent.getByText(/Confirmed by the payee on/).waitFor();
    await page.getByRole('row', { name: 'Spent and confirmed ¥30.00' }).waitFor();
    await page.getByText('Receipt confirmed by the payee').waitFor();
    await shot(page, 'project-spent');
    await expectAccessible(page, 'a project page with spending confirmed');
  });
});

describe('a refund after part of the donation was spent', () => {
  test('the spent part is shown as owed by the charity: on the donor’s page, the project’s money flow and the charity’s projects', async () => {
    const tag = `owed${run}`.toLowerCase();
    const { owner, orgId } = await verifiedCharity(t, tag);
    const created = await owner.post(
      `/api/orgs/${orgId}/projects`,
      projectBody({ title: `Clinic visits ${run}`, cause: 'health' }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const projectId = (created.json() as { id: string }).id;
    const published = await owner.post(`/api/orgs/${orgId}/projects/${projectId}/publish`);
    const budgetLineId = (published.json() as { budget: { id: string }[] }).budget[0]!.id;
    // ¥50 given, ¥30 of it spent, then all of it refunded: the charity owes the ¥30.
    const paid = await paidDonation(t, projectId, 5000);
    const spent = await disburse(
      owner,
      { orgId, projectId, budgetLineId },
      {
        amount: 3000,
        beneficiaryId: await beneficiary(owner, orgId),
        evidence: [await upload(owner, orgId, samplePdf, 'application/pdf')],
      },
    );
    expect(spent.statusCode, spent.body).toBe(201);
    const refunded = await providerCallback(t, 'payment.refunded', paid.donation.id);
    expect(refunded.json()).toMatchObject({ outcome: 'refunded' });
    await drainLog(t);

    const page = await (await newContext()).newPage();
    await page.goto(`/donations/${paid.donation.id}?token=${paid.accessToken}`);
    await page.getByTestId('donation-status').getByText('Refunded').waitFor();
    expect(await page.getByTestId('donation-refund').textContent()).toMatch(
      /^Refunded on .+; ¥30\.00 of it had already been spent and is owed by the charity\.$/,
    );
    await shot(page, 'refunded-owed');
    await expectAccessible(page, 'the donor’s page, refunded after part was spent');

    await page.goto(`/projects/${projectId}`);
    await page.getByRole('row', { name: 'Refunded ¥50.00' }).waitFor();
    await page.getByRole('row', { name: 'Owed by the charity ¥30.00' }).waitFor();
    expect(await page.getByTestId('flow-owed-note').textContent()).toContain(
      '¥30.00 of the refunded donations had already been spent when they were refunded',
    );
    expect(await page.getByRole('img', { name: /^Came in:/ }).getAttribute('aria-label')).toBe(
      'Came in: Refunded after it was spent (owed by the charity) ¥30.00, Refunded before it was spent ¥20.00',
    );
    await shot(page, 'project-owed');
    await expectAccessible(page, 'a project page with money owed');

    // Nothing is owed where nothing spent was refunded: no row, no note.
    await page.goto(`/projects/${project.project.id}`);
    await page.getByRole('row', { name: /^Refunded / }).waitFor();
    expect(await page.getByTestId('flow-owed').count()).toBe(0);
    expect(await page.getByTestId('flow-owed-note').count()).toBe(0);

    // The charity's projects, in Chinese at phone width.
    const zh = await (
      await newContext({ viewport: { width: 390, height: 800 }, locale: 'zh-CN' })
    ).newPage();
    await zh.goto('/sign-in');
    await zh.getByLabel('电子邮箱', { exact: true }).fill(`owner-${tag}@example.org`);
    await zh.getByLabel('密码', { exact: true }).fill('correct horse battery');
    await zh.getByRole('button', { name: '登录' }).click();
    await zh.getByRole('button', { name: '退出登录' }).waitFor();
    await zh.goto(`/charities/${orgId}/projects`);
    const owed = zh.getByTestId('cp-owed');
    await owed.waitFor();
    expect(await owed.textContent()).toBe('退款欠款¥30.00');
    await expectAccessible(zh, 'the charity’s projects, with money owed (zh-CN)');
    expect(await pageWidth(zh)).toBeLessThanOrEqual(390);
    await zh.goto(`/donations/${paid.donation.id}?token=${paid.accessToken}`);
    expect(await zh.getByTestId('donation-refund').textContent()).toContain(
      '其中 ¥30.00 在退款前已经支出，由机构欠付',
    );
    await shot(zh, 'phone-refunded-owed-zh-CN');
    await expectAccessible(zh, 'the donor’s page, refunded (zh-CN)');
  });
});
