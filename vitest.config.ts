import { defineConfig } from 'vitest/config';

// Two projects: `unit` is every test that needs no browser (what `npm test` runs);
// `browser` drives Debian's Chromium through playwright-core (what CI adds once
// chromium is installed). The custom condition makes workspace packages resolve to
// their TypeScript sources, so tests never depend on a build step.
export default defineConfig({
  resolve: { conditions: ['@goodtrace/source'] },
  ssr: { resolve: { conditions: ['@goodtrace/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          globalSetup: ['apps/server/test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['packages/*/test/**/*.browser.test.ts', 'apps/*/test/**/*.browser.test.ts'],
          globalSetup: ['apps/server/test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
