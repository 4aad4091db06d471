#!/usr/bin/env node
// The `goodtrace` command. Like the server, it runs from its TypeScript sources through tsx, with
// the workspace packages resolved to their sources (the `@goodtrace/source` condition), so no
// build step stands between a checkout and a verification.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered after tsx, so it runs first and hands tsx a resolution with the condition added.
register('./source-condition.js', import.meta.url);
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
