import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateSignerKey } from '@goodtrace/ledger';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendEvent } from '../../server/src/ledger/append-event.js';
import {
  Client,
  createStaff,
  sampleOrg,
  startTestApp,
  type TestApp,
  testLogOrigin,
} from '../../server/test/support/app.js';
import { startTestWitness } from '../../server/test/support/witness.js';
import { expectAccessible } from './support/axe.js';
import { buildWebApp, launchChromium, screenshotsDir } from './support/browser-env.js';

/**
 * Issue 4: the public transparency page shows the log's key and verifies the latest
 * checkpoint in the visitor's browser (signature, then consistency with the checkpoint it
 * saw last time) and each witness's cosignature, against the real server serving a fresh
 * production build.
 */

const screenshots = screenshotsDir;
const run = Date.now().toString(36).toUpperCase();

let t: TestApp;
let browser: Browser;
let baseURL: string;
let outDir: string;
let web: Awaited<ReturnType<typeof buildWebApp>> | undefined;
let admin: Client;
let owner: Client;
const contexts: BrowserContext[] = [];
const verifiedOrgs: { id: string; name: string }[] = [];

async function newContext(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext({ baseURL, locale: 'en-US', ...options });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return context;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshots, `transparency-${name}.png`), fullPage: true });
}

/** The first screen only, as a phone shows it. */
async function shotTop(page: Page, name: string) {
  await page.screenshot({ path: join(screenshots, `transparency-${name}.png`) });
}

async function treeSize(): Promise<number> {
  const res = await fetch(`${baseURL}/api/log`);
  return ((await res.json()) as { treeSize: number }).treeSize;
}

async function waitForTreeSize(size: number) {
  for (let i = 0; i < 1000; i++) {
    if ((await treeSize()) >= size) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the log did not reach ${size} entries`);
}

/** Registers a charity and has the admin verify it: one `org.verified` entry on the log. */
async function verifyCharity(name: string) {
  const created = await owner.post('/api/orgs', sampleOrg(name, { name }));
  expect(created.statusCode, created.body).toBe(201);
  const { id } = created.json() as { id: string };
  const verified = await admin.post(`/api/admin/orgs/${id}/verify`);
  expect(verified.statusCode, verified.body).toBe(200);
  verifiedOrgs.push({ id, name });
}

async function appendTestEvent(n: number) {
  await t.database.db.transaction().execute(async (tx) => {
    await appendEvent(tx, {
      type: 'test.event',
      v: 1,
      at: new Date().toISOString(),
      data: { n },
    });
  });
}

async function noHorizontalOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

const sigOk = 'Signature verified in your browser';
const consistentWith = /Consistent with the checkpoint you saw on .+ \((\d+) entries\)/;

beforeAll(async () => {
  web = await buildWebApp();
  outDir = web.outDir;
  t = await startTestApp({ env: { WEB_DIST_DIR: outDir } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  admin = await createStaff(t, 'admin@goodtrace.test', 'admin');
  owner = await new Client(t.app).signUp('owner@example.org');
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
  web?.remove();
});

describe('the transparency page', () => {
  test('shows the key, verifies the checkpoint, and notices on the next visit that the log only grew', async () => {
    await verifyCharity(`Bright Future Library ${run}`);
    await verifyCharity(`Clear Water Fund ${run}`);
    await waitForTreeSize(2);

    const context = await newContext();
    const page = await context.newPage();
    const entryRequests: string[] = [];
    page.on('request', (req) => {
      const { pathname, search } = new URL(req.url());
      if (pathname.startsWith('/api/log/entries')) entryRequests.push(pathname + search);
    });
    await page.goto('/');
    await page
      .getByRole('navigation', { name: 'Site links' })
      .getByRole('link', { name: 'Transparency' })
      .waitFor();
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Transparency' })
      .click();
    await page.getByRole('heading', { name: 'Transparency', level: 1 }).waitFor();

    const key = (await (await fetch(`${baseURL}/log/key`)).text()).trim();
    expect(await page.getByTestId('verifier-key').textContent()).toBe(key);
    await page.getByText(sigOk).waitFor();
    await page.getByText('Your browser has not seen this log before.').waitFor();
    expect(await page.getByTestId('tree-size').textContent()).toBe('2');
    const note = await (await fetch(`${baseURL}/log/checkpoint`)).text();
    expect(await page.getByTestId('signed-note').textContent()).toBe(note);
    await page.getByText('No witnesses configured yet.').waitFor();
    await page.getByText(/goodtrace audit command does all of this/).waitFor();

    // Newest first, each proved to be in the checkpoint, charities linked.
    const entries = page.getByTestId('log-entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(2);
    expect(await entries.nth(0).textContent()).toContain('#1');
    const newest = entries.nth(0).getByRole('link', { name: verifiedOrgs[1]!.name });
    expect(await newest.getAttribute('href')).toBe(`/charities/${verifiedOrgs[1]!.id}`);
    await entries.nth(1).getByRole('link', { name: verifiedOrgs[0]!.name }).waitFor();
    expect(await page.getByText('In the checkpoint').count()).toBe(2);
    // One range request for all the entries shown, not one per entry.
    expect(entryRequests).toEqual(['/api/log/entries?from=0&limit=2']);
    await shot(page, 'desktop-first-visit');
    await expectAccessible(page, 'the transparency page, first visit');

    // The log grows; the next visit proves the new tree extends the one seen before.
    await verifyCharity(`Harvest Kitchen ${run}`);
    await appendTestEvent(1);
    await appendTestEvent(2);
    await waitForTreeSize(5);
    await page.reload();
    const history = page.getByTestId('history');
    await history.waitFor();
    expect(await history.textContent()).toMatch(consistentWith);
    expect((await history.textContent())?.match(consistentWith)?.[1]).toBe('2');
    await page.getByText(sigOk).waitFor();
    await entries.nth(4).waitFor();
    expect(await entries.count()).toBe(5);
    expect(await entries.nth(0).textContent()).toContain('test.event');
    await page.getByRole('link', { name: verifiedOrgs[2]!.name }).waitFor();
    expect(await page.getByText('In the checkpoint').count()).toBe(5);
    expect(entryRequests.slice(1)).toEqual(['/api/log/entries?from=0&limit=5']);
    await shot(page, 'desktop-consistent');
    await expectAccessible(page, 'the transparency page, consistent');

    // A forged consistency proof is caught, and the checkpoint seen before is kept.
    await appendTestEvent(3);
    await waitForTreeSize(6);
    await page.route('**/api/log/proofs/consistency?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { proof: string[] };
      const first = body.proof[0]!;
      body.proof[0] = `${first[0] === 'A' ? 'B' : 'A'}${first.slice(1)}`;
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await page
      .getByText(/Not consistent with the checkpoint you saw on .+ \(5 entries\)/)
      .waitFor();
    expect(await page.getByText(consistentWith).count()).toBe(0);
    await shot(page, 'desktop-inconsistent');
    await expectAccessible(page, 'the transparency page, history rewritten');
    await page.unroute('**/api/log/proofs/consistency?*');
    await page.reload();
    await page.getByText(/Consistent with the checkpoint you saw on .+ \(5 entries\)/).waitFor();

    // The charity link leads to its public page.
    await page.getByRole('link', { name: verifiedOrgs[0]!.name }).click();
    await page.getByRole('heading', { name: verifiedOrgs[0]!.name, level: 1 }).waitFor();
  });

  test('a checkpoint with an altered signature gets the failure mark, not the green one', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.route('**/api/log', async (route) => {
      const res = await route.fetch();
      const info = (await res.json()) as { checkpoint: string; origin: string };
      const prefix = `— ${info.origin} `;
      const lines = info.checkpoint.split('\n');
      const i = lines.findIndex((l) => l.startsWith(prefix));
      expect(i).toBeGreaterThan(0);
      const line = lines[i]!;
      const at = prefix.length + 20; // inside the signature, past the key ID
      lines[i] = `${line.slice(0, at)}${line[at] === 'A' ? 'B' : 'A'}${line.slice(at + 1)}`;
      await route.fulfill({ response: res, json: { ...info, checkpoint: lines.join('\n') } });
    });
    await page.goto('/transparency');
    await page.getByText('Signature check failed').waitFor();
    expect(await page.getByText(/invalid_signature/).count()).toBe(1);
    expect(await page.getByText(sigOk).count()).toBe(0);
    // Nothing is remembered from a checkpoint that did not verify, and entries are unproved.
    await page.getByTestId('log-entry').first().waitFor();
    expect(await page.getByText('In the checkpoint').count()).toBe(0);
    expect(
      await page.evaluate(() => localStorage.getItem('goodtrace.transparency.seen')),
    ).toBeNull();
    await shot(page, 'desktop-signature-failed');
    await expectAccessible(page, 'the transparency page, signature failed');
  });

  test('a server whose /log/key and /api/log name different keys is flagged: nothing is verified or remembered', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const served = (await (await fetch(`${baseURL}/log/key`)).text()).trim();
    const other = generateSignerKey(testLogOrigin).verifierKey;
    await page.route('**/log/key', (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: `${other}\n` }),
    );
    await page.goto('/transparency');
    await page
      .getByRole('alert')
      .filter({ hasText: 'Nothing on this page can be verified' })
      .waitFor();
    // The receipt pages' words for the same reason (both decide with trustFromLog).
    await page.getByText(/the server names two different log keys/).waitFor();
    expect(await page.getByTestId('key-at-log-key').textContent()).toBe(other);
    expect(await page.getByTestId('key-at-api-log').textContent()).toBe(served);
    expect(await page.getByText(sigOk).count()).toBe(0);
    expect(await page.getByTestId('log-entry').count()).toBe(0);
    expect(
      await page.evaluate(() => localStorage.getItem('goodtrace.transparency.seen')),
    ).toBeNull();
    await shot(page, 'desktop-key-mismatch');
    await expectAccessible(page, 'the transparency page, keys disagree');

    // The same server with its two answers agreeing again: verified as before.
    await page.unroute('**/log/key');
    await page.reload();
    await page.getByText(sigOk).waitFor();
    expect(await page.getByTestId('log-untrusted').count()).toBe(0);
  });

  test('the copy button copies the key and says so; without the Clipboard API it selects the key and says how to copy it', async () => {
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    const page = await context.newPage();
    await page.goto('/transparency');
    const key = (await (await fetch(`${baseURL}/log/key`)).text()).trim();
    const copy = page.getByRole('button', { name: 'Copy the verifier key' });
    expect(await copy.textContent()).toBe('Copy');
    await copy.click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Copied$/ })
      .waitFor();
    expect(await copy.textContent()).toBe('✓ Copied');
    await expectAccessible(page, 'the transparency page, key copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    // Served over plain HTTP a page has no navigator.clipboard; here the copy command fails too.
    const bare = await newContext();
    await bare.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
      document.execCommand = () => false;
    });
    const plain = await bare.newPage();
    await plain.goto('/transparency');
    await plain.getByRole('button', { name: 'Copy the verifier key' }).click();
    await plain
      .getByRole('status')
      .filter({ hasText: 'Selected: press Ctrl+C (⌘C on a Mac) to copy' })
      .waitFor();
    expect(await plain.evaluate(() => window.getSelection()?.toString())).toBe(key);
  });

  test('works at phone width, in Chinese too', async () => {
    const phone = await newContext({ viewport: { width: 375, height: 740 } });
    const page = await phone.newPage();
    await page.goto('/transparency');
    await page.getByText(sigOk).waitFor();
    await page.getByTestId('log-entry').first().waitFor();
    expect(await noHorizontalOverflow(page)).toBeLessThanOrEqual(375);
    await shot(page, 'phone');
    await shotTop(page, 'phone-top');
    await page.getByRole('heading', { name: 'Latest checkpoint' }).scrollIntoViewIfNeeded();
    await shotTop(page, 'phone-checkpoint');

    const zh = await newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const zhPage = await zh.newPage();
    await zhPage.goto('/transparency');
    await zhPage.getByRole('heading', { name: '透明账本', level: 1 }).waitFor();
    await zhPage.getByText('签名已在你的浏览器中验证').waitFor();
    await zhPage.getByTestId('log-entry').first().waitFor();
    expect(await noHorizontalOverflow(zhPage)).toBeLessThanOrEqual(375);
    await shot(zhPage, 'phone-zh-CN');
    await shotTop(zhPage, 'phone-zh-CN-top');
    await expectAccessible(zhPage, 'the transparency page (zh-CN)');
  });

  test('each witness cosignature is verified in the browser with the witness key; an altered one is marked invalid', async () => {
    const logKey = (await (await fetch(`${baseURL}/log/key`)).text()).trim();
    const witness = await startTestWitness({
      name: 'witness.goodtrace.test',
      logKey,
      origin: testLogOrigin,
    });
    // A second app on the same database (so the same log), with the witness configured.
    const witnessed = await startTestApp({
      database: t.database,
      env: {
        WEB_DIST_DIR: outDir,
        LOG_WITNESSES: JSON.stringify([{ verifierKey: witness.verifierKey, url: witness.url }]),
      },
    });
    // Browser contexts are closed before the app: an open page keeps its keep-alive
    // connections, and closing the server would wait for them to time out (72 s).
    const opened: { close(): Promise<void> }[] = [];
    try {
      await witnessed.app.listen({ port: 0, host: '127.0.0.1' });
      const witnessedURL = `http://127.0.0.1:${(witnessed.app.server.address() as AddressInfo).port}`;
      const size = await treeSize();
      await appendTestEvent(10);
      await appendTestEvent(11);
      await waitForTreeSize(size + 2);
      expect(await witnessed.app.ledger.witnesses.syncAll()).toEqual([witness.name]);
      expect(witness.state.size).toBe(size + 2);

      const context = await newContext({ baseURL: witnessedURL });
      opened.push(context);
      const page = await context.newPage();
      await page.goto('/transparency');
      await page.getByText(sigOk, { exact: true }).waitFor();
      const item = page.getByTestId('witness');
      await item.waitFor();
      expect(await item.count()).toBe(1);
      expect(await item.textContent()).toContain(witness.name);
      expect(await item.textContent()).toContain(witness.verifierKey);
      await item.getByText('Cosignature verified in your browser').waitFor();
      await item.getByText(/Cosigned on .+/).waitFor();
      expect(await page.getByText(/as reported by the server/i).count()).toBe(0);
      await page.getByTestId('log-entry').first().waitFor();
      await shot(page, 'desktop-witness-verified');
      await expectAccessible(page, 'the transparency page with a witness');

      // The witness's line altered on the way: only that cosignature fails, the log's holds.
      const prefix = `— ${witness.name} `;
      await page.route('**/api/log', async (route) => {
        const res = await route.fetch();
        const info = (await res.json()) as { checkpoint: string };
        const lines = info.checkpoint.split('\n');
        const i = lines.findIndex((l) => l.startsWith(prefix));
        expect(i).toBeGreaterThan(0);
        const line = lines[i]!;
        const at = prefix.length + 40; // inside the Ed25519 signature, past key ID and time
        lines[i] = `${line.slice(0, at)}${line[at] === 'A' ? 'B' : 'A'}${line.slice(at + 1)}`;
        await route.fulfill({ response: res, json: { ...info, checkpoint: lines.join('\n') } });
      });
      await page.reload();
      await page.getByText(sigOk, { exact: true }).waitFor();
      await item.getByText('Cosignature invalid (invalid_signature)').waitFor();
      expect(await item.getByText('Cosignature verified in your browser').count()).toBe(0);
      await shot(page, 'desktop-witness-invalid');
      await expectAccessible(page, 'the transparency page, a cosignature invalid');

      // The line removed: shown as not cosigned, not as verified.
      await page.unroute('**/api/log');
      await page.route('**/api/log', async (route) => {
        const res = await route.fetch();
        const info = (await res.json()) as { checkpoint: string };
        const checkpoint = info.checkpoint
          .split('\n')
          .filter((l) => !l.startsWith(prefix))
          .join('\n');
        await route.fulfill({ response: res, json: { ...info, checkpoint } });
      });
      await page.reload();
      await page.getByText(sigOk, { exact: true }).waitFor();
      await item.getByText(/^Not cosigned/).waitFor();
      expect(await item.getByText('Cosignature verified in your browser').count()).toBe(0);

      const zh = await newContext({ baseURL: witnessedURL, locale: 'zh-CN' });
      opened.push(zh);
      const zhPage = await zh.newPage();
      await zhPage.goto('/transparency');
      // The witness's card; the latest cosigned checkpoint's card says the same once it loads.
      await zhPage.getByTestId('witness').getByText('联署已在你的浏览器中验证').waitFor();
    } finally {
      for (const c of opened) await c.close();
      await witnessed.app.close();
      await witness.close();
    }
  });
});
