import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTable } from '../src/errors.js';

describe('docs/errors.md', () => {
  it('documents every error code with its status, and no others', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    const table = Object.entries(errorTable).map(([code, e]) => [code, e.status]);
    expect(rows.sort()).toEqual(table.sort());
  });
});
