import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, scanForLoneSurrogate } from '../src/bytes.js';
import {
  canonicalJson,
  canonicalJsonBytes,
  canonicalJsonReference,
  encodeEvent,
  type LedgerEvent,
} from '../src/jcs.js';

// The fast canonical-JSON path (one checking walk, then JSON.stringify when members are
// already in order, else a sorting writer) against the reference: checkJson + the
// `canonicalize` library. Same text for what both accept, the same error for what both reject.

const outcome = (f: () => string) => {
  try {
    return { text: f() };
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
};

const same = (value: unknown): void => {
  expect(outcome(() => canonicalJson(value))).toEqual(outcome(() => canonicalJsonReference(value)));
};

/** Strings with what JCS must escape or order: controls, quotes, non-ASCII, astral, surrogates. */
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    '"',
    '\\',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    '€',
    '😀',
    '\ud800',
    'a\udc00b',
  ),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    -0,
    2 ** 53 - 1,
    2 ** 53,
    -(2 ** 53),
    1e21,
    1e-7,
    Number('333333333.33333329'),
    5e-324,
  ),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json')),
    fc.dictionary(text, tie('json')),
  ),
}));

describe('canonical JSON: the fast path agrees with checkJson + canonicalize', () => {
  it('on generated JSON values (same text, same rejections)', () => {
    fc.assert(fc.property(json, same), { numRuns: 3000 });
  });

  it('on generated events', () => {
    const event = fc.record({
      type: text,
      v: fc.oneof(fc.integer({ min: -2, max: 5 }), number),
      at: fc.constantFrom('2026-11-26T08:00:00.000Z', '2026-11-26T08:00:00+08:00', 'yesterday'),
      data: fc.dictionary(text, json),
    });
    fc.assert(
      fc.property(event, (e) => {
        const reference = outcome(() => canonicalJsonReference(e));
        const fast = outcome(() => new TextDecoder().decode(encodeEvent(e as LedgerEvent)));
        if ('text' in fast) expect(fast).toEqual(reference);
        else expect(fast.error).toMatch(/^invalid_json: /);
      }),
      { numRuns: 2000 },
    );
  });

  it('on values it must reject, with checkJson’s message and path', () => {
    const holey: unknown[] = new Array(3);
    holey[0] = 1;
    holey[2] = 3;
    class Point {
      x = 1;
    }
    const deep: unknown[] = [];
    let inner = deep;
    for (let i = 0; i < 70; i++) {
      const next: unknown[] = [];
      inner.push(next);
      inner = next;
    }
    for (const bad of [
      { s: '\ud800' },
      { '\udfff': 1 },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { n: 2 ** 53 },
      { u: undefined },
      { f: () => 1 },
      { b: 1n },
      { d: new Date(0) },
      { p: new Point() },
      { toJSON: () => 'x' },
      { [Symbol('s')]: 1 },
      holey,
      deep,
      undefined,
      Symbol('s'),
    ]) {
      same(bad);
      expect(outcome(() => canonicalJson(bad))).toHaveProperty('error');
    }
    expect(outcome(() => canonicalJson({ a: { b: [0, Number.NaN] } }))).toEqual({
      error: 'invalid_json: $.a.b[1]: non-finite number',
    });
  });

  it('orders members by UTF-16 code units, sorted or not, at every depth', () => {
    for (const v of [
      { b: 1, a: 2 },
      { a: { d: [{ z: 1, y: 2 }], c: 1 }, b: null },
      {
        '€': 1,
        '\u0080': 2,
        '😀': 3,
        '\uffff': 4,
        a: [Number('333333333.33333329'), 0.1, -0, 1e-7],
      },
      Object.assign(Object.create(null), { b: 1, a: 2 }),
    ]) {
      same(v);
    }
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: 1 })).toBe('{"a":1,"b":[{"c":2,"d":1}]}');
  });

  it('an event is encoded with its members in canonical order, as UTF-8', () => {
    const e = {
      type: 'org.verified',
      v: 1,
      at: '2026-11-26T08:00:00Z',
      data: { name: 'é', id: 7 },
    };
    const bytes = encodeEvent(e);
    expect(new TextDecoder().decode(bytes)).toBe(canonicalJsonReference(e));
    expect(bytes).toEqual(canonicalJsonBytes(e));
    expect(bytes.length).toBe(new TextEncoder().encode(canonicalJsonReference(e)).length);
  });

  it('an event that is not a plain object, or whose type is not valid Unicode, is rejected', () => {
    class Ev {
      type = 'x';
      v = 1;
      at = '2026-11-26T08:00:00Z';
      data = {};
    }
    expect(() => encodeEvent(new Ev())).toThrow('not a plain object');
    expect(() =>
      encodeEvent({ type: '\ud800', v: 1, at: '2026-11-26T08:00:00Z', data: {} }),
    ).toThrow('not valid Unicode');
  });
});

describe('lone surrogates', () => {
  it('the scan used where String.prototype.isWellFormed is missing agrees with it', () => {
    const wellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    const fixed = ['', 'abc', '\ud83d\ude00', '\ud800', '\udc00', 'a\ud800b', '\ud83d', 'x\ude00'];
    for (const s of fixed) {
      expect(scanForLoneSurrogate(s), JSON.stringify(s)).toBe(!wellFormed(s));
      expect(hasLoneSurrogate(s), JSON.stringify(s)).toBe(!wellFormed(s));
    }
    fc.assert(
      // UTF-16 code units, many of them near or in the surrogate range.
      fc.property(
        fc
          .array(
            fc.oneof(fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0, max: 0xffff })),
          )
          .map((units) => String.fromCharCode(...units)),
        (s) => {
          expect(scanForLoneSurrogate(s)).toBe(!wellFormed(s));
        },
      ),
    );
  });
});
