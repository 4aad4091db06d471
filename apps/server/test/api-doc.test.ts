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

type Operation = {
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
};

describe('the OpenAPI document', () => {
  it('gives every route its answers: a schema for each JSON answer, a media type for each file', () => {
    const spec = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
    const problems: string[] = [];
    let operations = 0;
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        operations++;
        const where = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2/.test(status));
        if (success.length === 0) problems.push(`${where}: no 2xx answer declared`);
        for (const [status, response] of success) {
          const content = Object.entries(response.content ?? {});
          if (status !== '204' && content.length === 0)
            problems.push(`${where} ${status}: no content declared`);
          for (const [mediaType, { schema }] of content) {
            // An empty schema ({}, what Type.Unknown() becomes) says nothing of the answer.
            if (!schema || Object.keys(schema).length === 0)
              problems.push(`${where} ${status} ${mediaType}: an empty schema`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(operations).toBeGreaterThan(50);
  });
});
