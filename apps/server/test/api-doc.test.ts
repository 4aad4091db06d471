import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApiDoc } from '../src/http/api-doc.js';
import { startTestApp, type TestApp } from './support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('docs/api.md', () => {
  it('lists every route with who may call it, as the code declares (npm run docs:api -w apps/server)', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderApiDoc(t.app));
  });
});
