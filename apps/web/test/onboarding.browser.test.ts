import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  Client,
  createStaff,
  sampleOrg,
  startTestApp,
  type TestApp,
} from '../../server/test/support/app.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * Issue 2, steps 1–5, walked through the real UI in Debian's Chromium against the real server
 * (its own fresh database) serving a fresh production build of the web app.
 */

const screenshots = screenshotsDir;

const admin = { email: 'admin@goodtrace.test', password: 'correct horse battery' };
const owner = {
  name: 'Wang Fang',
  email: 'wang.fang@example.org',
  password: 'Maple-lantern-42',
};
const invitee = { name: 'Liu Yang', email: 'liu.yang@example.org', password: 'River-stone-77' };
const run = Date.now().toString(36).toUpperCase();
const charityA = {
  name: `Bright Future Library ${run}`,
  registrationNumber: `GT-A-${run}`,
  city: 'Kunming',
  cause: 'education',
  contactEmail: 'hello@bright-future.example',
  contactPhone: '+86 871 5555 0101',
  website: 'https://bright-future.example',
  description: 'Reading rooms and storytelling volunteers for village schools in Yunnan.',
};
const charityB = {
  name: `Quick Help Fund ${run}`,
  registrationNumber: `GT-B-${run}`,
  city: 'Wuhan',
  cause: 'poverty',
  contactEmail: 'team@quick-help.example',
  contactPhone: '',
  website: '',
  description: 'Emergency grants for families after a sudden loss of income.',
};
const rejectionReason = 'The registration certificate number does not match the public register.';

let t: TestApp;
let browser: Browser;
let baseURL: string;
let outDir: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
const contexts: BrowserContext[] = [];
const orgUrl: { a?: string; b?: string } = {};

async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
}

async function registerCharity(page: Page, org: typeof charityA, check = false) {
  await page.getByRole('link', { name: 'Register a charity' }).click();
  await page.getByRole('heading', { name: 'Register a charity' }).waitFor();
  if (check) await expectAccessible(page, 'the charity registration form');
  await page.getByLabel('Charity name').fill(org.name);
  await page.getByLabel('Registration number').fill(org.registrationNumber);
  await page.getByLabel('City').fill(org.city);
  await page.getByLabel('Cause').selectOption(org.cause);
  await page.getByLabel('Contact email').fill(org.contactEmail);
  await page.getByLabel('Contact phone').fill(org.contactPhone);
  await page.getByLabel('Website').fill(org.website);
  await page.getByLabel('Description').fill(org.description);
  await page.getByRole('button', { name: 'Register charity' }).click();
  await page.getByRole('heading', { name: org.name, level: 1 }).waitFor();
  return page.url();
}

async function noHorizontalOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

beforeAll(async () => {
  web = await buildWebApp();
  outDir = web.outDir;
  t = await startTestApp({ env: { WEB_DIST_DIR: outDir } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  await createStaff(t, admin.email, 'admin');
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  web?.remove();
});

describe('charity onboarding in a browser', () => {
  test('1–2: a person signs up, signs out, signs in and registers charities', async () => {
    const page = await newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Every yuan, traceable and verifiable' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await expectAccessible(page, 'the home page');

    await page.getByRole('link', { name: 'Sign up', exact: true }).click();
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email', { exact: true }).fill(owner.email);
    // The server refuses a common password; the page says why, in words.
    await page.getByLabel('Password', { exact: true }).fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This password is too weak');
    await expectAccessible(page, 'sign-up, with an error');
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'My charities', level: 1 }).waitFor();
    await page.getByText('You are not a member of any charity yet.').waitFor();
    await expectAccessible(page, 'the dashboard of a new account');

    await signOut(page);
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Email', { exact: true }).waitFor();
    await expectAccessible(page, 'sign-in');
    await signIn(page, owner.email, owner.password);
    await page.getByRole('heading', { name: 'My charities', level: 1 }).waitFor();

    orgUrl.a = await registerCharity(page, charityA, true);
    await page.getByRole('heading', { name: 'Pending verification' }).waitFor();
    await shot(page, '1-charity-pending');
    await expectAccessible(page, 'a pending charity’s page, to its owner');

    await page.getByRole('link', { name: 'My charities' }).click();
    orgUrl.b = await registerCharity(page, charityB);
    await page.getByRole('heading', { name: 'Pending verification' }).waitFor();

    // A pending charity has no public page yet.
    const anonymous = await newPage();
    await anonymous.goto(orgUrl.a);
    await anonymous.getByRole('heading', { name: 'Charity not found' }).waitFor();
    await expectAccessible(anonymous, 'a charity not found');

    await signOut(page);
  });

  test('3: the admin verifies one charity and rejects the other with a reason', async () => {
    const page = await newPage();
    await signIn(page, admin.email, admin.password);
    await page.getByRole('link', { name: 'Review queue', exact: true }).click();
    await page.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
    const item = (name: string) =>
      page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
    await item(charityA.name).waitFor();
    await item(charityB.name).waitFor();
    await shot(page, '2-admin-queue');
    await expectAccessible(page, 'the admin review queue');

    await item(charityA.name).getByRole('button', { name: 'Verify' }).click();
    await page.getByText(`${charityA.name} is verified and now has a public page.`).waitFor();

    await item(charityB.name).getByRole('button', { name: 'Reject' }).click();
    await item(charityB.name).getByRole('button', { name: 'Reject with this reason' }).click();
    await item(charityB.name).getByText('This field is required.').waitFor();
    await expectAccessible(page, 'a rejection without a reason');
    await item(charityB.name).getByLabel('Reason for rejecting').fill(rejectionReason);
    await item(charityB.name).getByRole('button', { name: 'Reject with this reason' }).click();
    await page.getByText(`${charityB.name} was rejected.`).waitFor();
    await page.getByText('No charity is waiting for verification.').waitFor();

    await page.getByRole('link', { name: 'Rejected' }).click();
    await item(charityB.name).getByText(rejectionReason).waitFor();
  });

  test('3: the verified charity is public and found in the directory', async () => {
    const page = await newPage();
    await page.goto('/charities');
    await page.getByRole('heading', { name: 'Verified charities' }).waitFor();
    await page.getByLabel('Name or keyword').fill(`Library ${run}`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: '1 charity found' }).waitFor();
    await expectAccessible(page, 'the directory with a result');

    // By city and cause too; the rejected one never shows.
    await page.getByLabel('Name or keyword').fill('');
    await page.getByLabel('City').fill('kunming');
    await page.getByLabel('Cause').selectOption('education');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/city=kunming/);
    await page.getByRole('link', { name: charityA.name }).waitFor();
    await page.getByLabel('City').fill('Wuhan');
    await page.getByLabel('Cause').selectOption('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No verified charity matches your search.').waitFor();

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('link', { name: charityA.name }).click();
    await page.getByRole('heading', { name: charityA.name, level: 1 }).waitFor();
    await page.getByText(/Verified by Goodtrace on/).waitFor();
    await page.getByText(charityA.registrationNumber).waitFor();
    expect(await page.getByRole('heading', { name: 'Members' }).count()).toBe(0);
    await shot(page, '3-public-charity-page');
    await expectAccessible(page, 'a verified charity’s public page');

    await page.goto(orgUrl.b!);
    await page.getByRole('heading', { name: 'Charity not found' }).waitFor();
  });

  test('3: the owner sees the rejection reason, corrects and resubmits', async () => {
    const page = await newPage();
    await signIn(page, owner.email, owner.password);
    await page.getByText(rejectionReason).waitFor();
    await page.goto(orgUrl.b!);
    await page.getByRole('heading', { name: 'Verification was declined' }).waitFor();
    await page.getByText(rejectionReason).first().waitFor();
    await shot(page, '4-charity-rejected');
    await expectAccessible(page, 'a rejected charity’s page, to its owner');

    await page.getByRole('link', { name: 'Edit and resubmit' }).first().click();
    await page.getByLabel('Registration number').fill(`GT-B2-${run}`);
    await page.getByRole('button', { name: 'Save and resubmit for verification' }).click();
    await page.getByText('Resubmitted: the charity is awaiting verification again.').waitFor();
    await expectAccessible(page, 'a charity resubmitted');
    await page.getByRole('heading', { name: 'Pending verification' }).waitFor();
  });

  test('4: the owner invites an editor, who signs up with that email and joins', async () => {
    const page = await newPage();
    await signIn(page, owner.email, owner.password);
    await page.goto(orgUrl.a!);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByLabel('Email address').fill(invitee.email);
    await page.getByLabel('Role', { exact: true }).selectOption('editor');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${invitee.email}.`).waitFor();
    await expectAccessible(page, 'a charity’s members, to its owner');

    const other = await newPage();
    await other.goto('/sign-up');
    await other.getByLabel('Your name').fill(invitee.name);
    await other.getByLabel('Email', { exact: true }).fill(invitee.email);
    await other.getByLabel('Password', { exact: true }).fill(invitee.password);
    await other.getByRole('button', { name: 'Create account' }).click();
    await other
      .getByText(`${owner.name} invited you to join ${charityA.name} as Editor.`)
      .waitFor();
    await expectAccessible(other, 'the dashboard with an invitation');
    await other.getByRole('button', { name: 'Accept' }).click();
    await other.getByText(`You joined ${charityA.name}.`).waitFor();
    await other.getByRole('heading', { name: charityA.name, level: 3 }).getByRole('link').click();
    await other.getByText('Your role: Editor').waitFor();
    const members = other.getByRole('region', { name: 'Members' });
    await members.getByText(owner.name).waitFor();
    await members.getByText(invitee.name).waitFor();
    // An editor sees the members but cannot invite.
    expect(await other.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
  });

  test('5: the directory works at phone width without horizontal scrolling', async () => {
    const page = await newPage({ viewport: { width: 375, height: 740 } });
    await page.goto('/charities');
    await page.getByRole('link', { name: charityA.name }).waitFor();
    expect(await noHorizontalOverflow(page)).toBeLessThanOrEqual(375);
    await shot(page, '5-phone-directory');

    await page.goto('/');
    await page.getByRole('heading', { name: 'Every yuan, traceable and verifiable' }).waitFor();
    expect(await noHorizontalOverflow(page)).toBeLessThanOrEqual(375);
    await shot(page, '5-phone-home');

    await signIn(page, owner.email, owner.password);
    await page.goto(orgUrl.a!);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    expect(await noHorizontalOverflow(page)).toBeLessThanOrEqual(375);
    await shot(page, '5-phone-charity-members');

    await signOut(page);
    await signIn(page, admin.email, admin.password);
    await page.getByRole('link', { name: 'Review queue', exact: true }).click();
    await page.getByRole('link', { name: 'Verified' }).click();
    await page.getByRole('heading', { name: charityA.name }).waitFor();
    expect(await noHorizontalOverflow(page)).toBeLessThanOrEqual(375);
    await expectAccessible(page, 'the admin queue of verified charities');
    await shot(page, '5-phone-admin-queue');
  });

  test('Chinese is the default for a Chinese browser, and the switch is remembered', async () => {
    const page = await newPage({ locale: 'zh-CN' });
    await page.goto('/');
    await page.getByRole('heading', { name: '每一元善款，可追溯、可验证' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByRole('link', { name: '公益机构' }).first().waitFor();
    await shot(page, '6-home-zh-CN');
    await expectAccessible(page, 'the home page (zh-CN)');

    await page.getByRole('button', { name: '将界面语言切换为英文' }).click();
    await page.getByRole('heading', { name: 'Every yuan, traceable and verifiable' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Every yuan, traceable and verifiable' }).waitFor();

    // Errors are translated too.
    await page.getByRole('button', { name: 'Switch the language to Chinese' }).click();
    await page.goto('/sign-in');
    await page.getByLabel('电子邮箱').fill('nobody@example.org');
    await page.getByLabel('密码', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').getByText('邮箱或密码错误。').waitFor();
    await expectAccessible(page, 'sign-in, with an error (zh-CN)');
  });
});

describe('a list page', () => {
  test('says why a load failed and tries again, then pages through the results keeping the search', async () => {
    const staff = await createStaff(t, 'lists-admin@goodtrace.test', 'admin');
    const someone = await new Client(t.app).signUp('lists@example.org');
    for (let i = 1; i <= 13; i++) {
      const name = `Paged Fund ${run} ${String(i).padStart(2, '0')}`;
      const created = await someone.post('/api/orgs', sampleOrg(name, { name, city: 'Pagetown' }));
      expect(created.statusCode, created.body).toBe(201);
      const { id } = created.json() as { id: string };
      expect((await staff.post(`/api/admin/orgs/${id}/verify`)).statusCode).toBe(200);
    }

    const page = await newPage();
    let refused = 0;
    await page.route('**/api/orgs?*', async (route) => {
      if (refused++ > 0) return route.continue();
      await route.fulfill({
        status: 503,
        json: { error: { code: 'test_outage', message: 'Down for a moment.' } },
      });
    });
    await page.goto('/charities?city=Pagetown');
    await page.getByRole('alert').getByText('Down for a moment.').waitFor();
    await expectAccessible(page, 'a list whose load failed');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: '13 charities found' }).waitFor();
    const cards = page.locator('.card-grid > .org-card');
    expect(await cards.count()).toBe(12);
    await page.getByText('Page 1 of 2').waitFor();
    expect(await page.getByRole('link', { name: 'Previous' }).count()).toBe(0);
    await expectAccessible(page, 'a list of several pages');

    await page.getByRole('link', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2').waitFor();
    expect(new URL(page.url()).searchParams.get('city')).toBe('Pagetown');
    expect(await cards.count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Next' }).count()).toBe(0);
    // The form still shows the search the URL holds.
    expect(await page.getByLabel('City').inputValue()).toBe('Pagetown');

    await page.getByRole('link', { name: 'Previous' }).click();
    await page.getByText('Page 1 of 2').waitFor();
    expect(new URL(page.url()).searchParams.has('page')).toBe(false);
  });
});
