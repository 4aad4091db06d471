import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as verify from '../src/index.js';

/** The package as others use it: its API, that it needs nothing from Node, and its command. */

describe('@goodtrace/verify', () => {
  it('exports what the web and the CLI use', () => {
    for (const name of [
      'parseTrust',
      'trustFromLog',
      'readLogDescription',
      'verifyLogPart',
      'verifyEntry',
      'verifyDonation',
      'verifyAllocation',
      'verifyAcknowledgement',
      'verifyTrace',
      'failTrace',
      'verifyReceiptFile',
      'readReceiptFile',
      'receiptFile',
      'verifyCommandLine',
      'VerifyError',
      'isVerifyError',
    ]) {
      expect(typeof (verify as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('bundles for the browser with no Node built-in, and nothing of the contract but its types', async () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const imported: string[] = [];
    const packages = new Set<string>();
    await esbuild.build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['@goodtrace/source'],
      logLevel: 'silent',
      plugins: [
        {
          name: 'no-node-builtins',
          setup(build) {
            build.onResolve({ filter: /.*/ }, (args) => {
              if (args.path.startsWith('node:') || builtins.has(args.path))
                imported.push(args.path);
              if (!args.path.startsWith('.')) packages.add(args.path);
              return undefined;
            });
          },
        },
      ],
    });
    expect(imported).toEqual([]);
    // The events are read by the contract's types; its schemas (and TypeBox) stay out.
    expect([...packages].filter((p) => /^@goodtrace\/contract|typebox/.test(p))).toEqual([]);
    expect(packages.has('@goodtrace/ledger')).toBe(true);
  });

  it('shows a command that runs from a checkout, never one fetched from the npm registry', () => {
    const line = verify.verifyCommandLine('https://give.example');
    expect(line).toBe('npm run goodtrace -- verify receipt.json --log-url https://give.example');
    // The root README shows the same command.
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme.includes(verify.verifyCommandLine('https://<site>'))).toBe(true);
  });
});
