import fc from 'fast-check';

/**
 * Bad input for the API fuzz suite (test/fuzz.test.ts), generated from the OpenAPI document's
 * JSON schemas: a valid-looking example of each schema, and the ways of spoiling it.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
}

/**
 * A value the schema accepts, built the same way every time: `named` gives the values that
 * must be real (an id of something that exists) by property name.
 */
export function exampleOf(
  schema: JsonSchema,
  named: Record<string, unknown> = {},
  name = '',
): unknown {
  if (name in named) return named[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return exampleOf(options.find((o) => o.type !== 'null') ?? options[0]!, named, name);
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, exampleOf(v, named, k)]),
      );
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, (_, i) =>
        exampleOf(schema.items ?? {}, named, `${name}[${i}]`),
      );
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, Math.min(schema.maximum ?? 1000, 1000));
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string':
      return stringExample(schema);
    default:
      return 'text';
  }
}

function stringExample(schema: JsonSchema): string {
  switch (schema.format) {
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'date':
      return '2026-06-01';
    case 'email':
      return 'fuzz@example.org';
  }
  if (schema.pattern && schema.pattern !== '\\S') {
    const [s] = fc.sample(
      fc.stringMatching(new RegExp(schema.pattern), { maxLength: schema.maxLength ?? 40 }),
      {
        seed: 1,
        numRuns: 1,
      },
    );
    return s!;
  }
  const text = 'Fuzzed text for a field';
  return text.padEnd(schema.minLength ?? 0, '.').slice(0, schema.maxLength ?? text.length);
}

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
export function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([k, v]) => [[...at, k], ...pathsOf(v, [...at, k])]);
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove && Array.isArray(node)) node.splice(last as number, 1);
  else if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** Text no field should take as it is. */
export const badStrings: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\udfff\ud800',
    '../../../../etc/passwd',
    '..\\..\\windows\\win.ini',
    "'; drop table users; --",
    '<script>alert(1)</script>',
    '\u202e\u0000\ufeff',
    '%00',
    '%ED%A0%80',
    'x'.repeat(20_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 3,
  }),
);

/** Amounts and numbers at and past every edge: 0, negative, fractional, beyond 2^53. */
export const badNumbers: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    -5000,
    0.5,
    1.5,
    99.99,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    10_000_000_001,
    1e21,
    1e308,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A value of the wrong kind for almost any field. */
export const wrongTypes: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, '1000', [], {}, [1, 2], { $ne: null }, { __proto__: null }),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * A JSON body (as text) built from a schema's example: one field spoiled, dropped or added, or
 * the whole replaced, nested deep, made wide or too long.
 */
export function badJsonBody(example: unknown): fc.Arbitrary<string> {
  return badJsonValue(example).map((v) => (v instanceof RawJson ? v.text : JSON.stringify(v)));
}

class RawJson {
  constructor(readonly text: string) {}
}

function badJsonValue(example: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(example);
  const spoiled = paths.length
    ? [
        fc
          .tuple(fc.constantFrom(...paths), fc.oneof(badStrings, badNumbers, wrongTypes))
          .map(([p, v]) => setAt(example, p, v)),
        fc.constantFrom(...paths).map((p) => setAt(example, p, undefined, true)),
      ]
    : [];
  return fc.oneof(
    { arbitrary: fc.constant(example), weight: 1 },
    ...spoiled.map((arbitrary) => ({ arbitrary, weight: 4 })),
    {
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              'extra',
              '__proto__',
              'constructor',
              'status',
              'platformRole',
              'id',
              '\u0000',
              '\ud800',
            ),
            fc.string(),
          ),
          wrongTypes,
        )
        .map(([k, v]) =>
          example && typeof example === 'object' && !Array.isArray(example)
            ? { ...(example as object), [k]: v }
            : { [k]: v },
        ),
      weight: 2,
    },
    { arbitrary: wrongTypes, weight: 1 },
    {
      // Deep: nested objects or arrays, a thousand deep or as deep as 1 MiB allows.
      arbitrary: fc
        .tuple(fc.constantFrom('{"a":', '['), fc.constantFrom(1000, 170_000))
        .map(
          ([open, depth]) =>
            new RawJson(`${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`),
        ),
      weight: 1,
    },
    {
      // Wide and long: many fields, a big array, a string past the body limit.
      arbitrary: fc.constantFrom(
        Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
        Array.from({ length: 20_000 }, () => example),
        { text: 'x'.repeat(1_100_000) },
      ),
      weight: 1,
    },
  );
}

/** Bytes and content types for a route that reads a raw body, or any route. */
export const junkBodies: fc.Arbitrary<{ contentType: string | undefined; body: Buffer | string }> =
  fc.record({
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'image/png',
      'image/jpeg',
      'application/pdf',
      'image/gif',
      'application/octet-stream',
      '*/*',
      ';;;',
      'application/json\u0000',
    ),
    body: fc.oneof(
      fc.constantFrom(
        '',
        '{',
        '{"a":',
        '[]]',
        'null',
        '"\\ud800"',
        '{"__proto__":{"isAdmin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        'a=1&b=2',
        '\u0000\u0000',
      ),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom(
        Buffer.from([0xff, 0xd8, 0xff]),
        Buffer.from('%PDF-1.7\n'),
        Buffer.alloc(200_000, 0x41),
      ),
    ),
  });

/** Path segments that name nothing real, or try to escape where they are put. */
export const badPathValues: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'not-a-uuid',
    '0',
    '-1',
    '1.5',
    '9007199254740993',
    '1e400',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%E0%A4%A',
    '%ZZ',
    '%C0%AF',
    '%F0%9F%93%9A',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2f',
    '....%2F%2F....%2F%2Fetc',
    "'%20or%201=1--",
    '%3Cscript%3E',
    'x'.repeat(101),
    'A'.repeat(2000),
  ),
  fc.uuid(),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);

/** Query values no parameter should take. */
export const badQueryValues: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'abc',
    '-1',
    '0',
    '1.5',
    '1e400',
    '99999999999999999999999',
    '9007199254740993',
    '%00',
    'a%00b',
    '%ED%A0%80',
    '%',
    '%E0%A4%A',
    'x'.repeat(3000),
    'true',
    'null',
    '%5B%5D',
    'not-a-uuid',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
);
