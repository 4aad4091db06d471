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

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

/** Every object schema inside `schema`, with the JSON path that leads to it. */
function* objectSchemas(schema: JsonSchema, at = ''): Generator<[string, JsonSchema]> {
  if (schema.type === 'object' || schema.properties) yield [at || '/', schema];
  for (const [k, v] of Object.entries(schema.properties ?? {}))
    yield* objectSchemas(v, `${at}/${k}`);
  for (const item of [schema.items ?? []].flat()) yield* objectSchemas(item, `${at}/[]`);
  for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    yield* objectSchemas(s, at);
}

describe('request bodies in the OpenAPI document', () => {
  type Op = { requestBody?: { content: Record<string, { schema: JsonSchema }> } };
  const bodies = () => {
    const spec = t.app.swagger() as { paths: Record<string, Record<string, Op>> };
    return Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.values(op.requestBody?.content ?? {}).map(
          (c) => [`${method.toUpperCase()} ${path}`, c.schema] as const,
        ),
      ),
    );
  };

  it('refuse unknown fields at every depth (additionalProperties: false)', () => {
    const open = bodies().flatMap(([route, schema]) =>
      [...objectSchemas(schema)]
        .filter(([, o]) => o.additionalProperties !== false)
        .map(([at]) => `${route} ${at}`),
    );
    expect(bodies().length).toBeGreaterThan(10);
    expect(open).toEqual([]);
  });

  it('of a PATCH refuse an empty patch (minProperties: 1)', () => {
    const patches = bodies().filter(([route]) => route.startsWith('PATCH '));
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.filter(([, s]) => !(s.minProperties! >= 1)).map(([r]) => r)).toEqual([]);
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
