// Runs the known-answer vectors and the property checks inside Debian's Chromium, on a bundle of
// the package built for the browser platform — proving the package needs nothing from Node.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PropertyOptions, propertyCases, vectorCases } from './checks.js';
import { loadVectors } from './load-vectors.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const OPTIONS: PropertyOptions = { numRuns: 50, maxLeaves: 2000 };

/** Fails the build on any import of a Node built-in (node:x or a bare builtin name). */
const noNodeBuiltins: esbuild.Plugin = {
  name: 'no-node-builtins',
  setup(build) {
    const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.path.startsWith('node:') || names.has(args.path)) {
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
      }
      return undefined;
    });
  },
};

function bundle(entry: { file: string } | { contents: string }) {
  return esbuild.build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: {
            contents: entry.contents,
            resolveDir: fileURLToPath(new URL('.', import.meta.url)),
            loader: 'ts',
          },
        }),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['@goodtrace/source'],
    write: false,
    logLevel: 'silent',
    metafile: true,
    plugins: [noNodeBuiltins],
  });
}

/** Case names in Node order, made unique the same way the page results are matched. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} #${k}`;
  });
}

const vectors = loadVectors();
const names = uniqueNames([...vectorCases(vectors), ...propertyCases(OPTIONS)].map((c) => c.name));

describe('in Chromium', () => {
  let browser: Browser | undefined;
  let results = new Map<string, { ok: boolean; error?: string }>();
  let userAgent = '';
  let hasNodeGlobals = true;
  let bundleInputs: string[] = [];

  beforeAll(async () => {
    const built = await bundle({
      file: fileURLToPath(new URL('./browser-entry.ts', import.meta.url)),
    });
    bundleInputs = Object.keys(built.metafile.inputs);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.setContent(
      '<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>',
    );
    await page.addScriptTag({ content: built.outputFiles[0]!.text });
    userAgent = await page.evaluate(() => navigator.userAgent);
    hasNodeGlobals = await page.evaluate(
      () => 'process' in globalThis || 'Buffer' in globalThis || 'require' in globalThis,
    );
    const list = await page.evaluate(([v, o]) => globalThis.ledgerChecks(v, o), [
      vectors,
      OPTIONS,
    ] as const);
    if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join('; ')}`);
    const pageNames = uniqueNames(list.map((r) => r.name));
    results = new Map(list.map((r, i) => [pageNames[i]!, r]));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('a bundle that imports a Node built-in fails to build', async () => {
    await expect(
      bundle({ contents: "import { createHash } from 'node:crypto'; console.log(createHash);" }),
    ).rejects.toThrow(/Node built-in "node:crypto"/);
    await expect(bundle({ contents: "import 'crypto';" })).rejects.toThrow(
      /Node built-in "crypto"/,
    );
  });

  it('the package bundles for the browser platform from its TypeScript sources', () => {
    expect(bundleInputs.some((f) => f.endsWith('packages/ledger/src/index.ts'))).toBe(true);
    expect(bundleInputs.some((f) => f.includes('@noble/curves'))).toBe(true);
  });

  it('runs in a real Chromium page without Node globals', () => {
    expect(userAgent).toMatch(/Chrome\//);
    expect(hasNodeGlobals).toBe(false);
  });

  it('ran every check in the page', () => {
    expect([...results.keys()]).toEqual(names);
  });

  for (const name of names) {
    it(name, () => {
      const r = results.get(name);
      expect(r, 'result from the page').toBeDefined();
      expect(r!.error ?? null).toBeNull();
      expect(r!.ok).toBe(true);
    });
  }
});
