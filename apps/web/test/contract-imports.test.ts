import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The web app takes the API's shapes from @goodtrace/contract as types only: the schemas
// (and TypeBox, ~48 kB) stay out of its bundle, and no server code gets in. The contract's
// plain lists (@goodtrace/contract/lists) are the one part it may import as values.
const src = new URL('../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every import statement of a file, whole (an import may span lines). */
function imports(file: string): string[] {
  return readFileSync(file, 'utf8').match(/^import[\s\S]*?from\s+'[^']+';/gm) ?? [];
}

describe('the web app’s imports of the contract', () => {
  const all = sources(src).flatMap((file) =>
    imports(file).map((statement) => ({ file: relative(src, file), statement })),
  );

  it('take the API’s types from the contract', () => {
    expect(all.some((i) => i.statement.includes("from '@goodtrace/contract'"))).toBe(true);
  });

  it('import the contract’s schemas as types only, and its lists as values', () => {
    const values = all.filter(
      (i) =>
        i.statement.includes("from '@goodtrace/contract'") && !/^import type\b/.test(i.statement),
    );
    expect(values).toEqual([]);
  });

  it('reach no server code', () => {
    expect(all.filter((i) => /from '[^']*(apps\/server|\.\.\/server)/.test(i.statement))).toEqual(
      [],
    );
  });
});
