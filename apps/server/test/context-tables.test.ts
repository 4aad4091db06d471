import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Contexts own their tables (docs/ARCHITECTURE.md, "Who owns which table"): a route parses,
// authorizes, calls a context's function and maps its answer, with no SQL of its own; and a
// table is named only by the context that owns it and by the readers that document lists.

const src = fileURLToPath(new URL('../src/', import.meta.url));
const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .map((f) => f.split(sep).join('/'))
  .filter((f) => f.endsWith('.ts'))
  .sort();
const read = (file: string) => readFileSync(join(src, file), 'utf8');

/** `line n: text` of each line of `text` that `pattern` matches. */
function linesMatching(text: string, pattern: RegExp) {
  return text
    .split('\n')
    .flatMap((line, i) => (pattern.test(line) ? [`line ${i + 1}: ${line.trim()}`] : []));
}

describe('routes hold no SQL', () => {
  const routeFiles = sources.filter((f) => /(^|\/)(admin-)?routes\.ts$/.test(f));

  it("finds every context's route modules", () => {
    expect(routeFiles).toEqual(
      expect.arrayContaining([
        'accounts/routes.ts',
        'donations/routes.ts',
        'files/routes.ts',
        'orgs/admin-routes.ts',
        'orgs/routes.ts',
        'projects/routes.ts',
        'spending/routes.ts',
      ]),
    );
  });

  it.each(routeFiles)('%s neither imports kysely’s sql nor builds a query', (file) => {
    const text = read(file);
    const sqlImport = /import\s*(?:type\s*)?\{[^}]*\bsql\b[^}]*\}\s*from\s*'kysely'/.exec(text);
    expect(sqlImport?.[0] ?? null).toBe(null);
    expect(
      linesMatching(
        text,
        /\.(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)\(/,
      ),
    ).toEqual([]);
  });
});

describe('each table is named only by its context and the readers docs/ARCHITECTURE.md lists', () => {
  const schema = read('db/schema.ts');
  const dbInterface = schema.slice(schema.indexOf('export interface DB {'));
  const tables = [
    ...dbInterface.slice(0, dbInterface.indexOf('\n}')).matchAll(/^\s+([a-z_]+):/gm),
  ].map((m) => m[1]!);

  // The document's table: | `t1`, `t2` | `owner/` | `reader/` (why), … |
  const doc = readFileSync(new URL('../../../docs/ARCHITECTURE.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Who owns which table')).split('\n');
  const first = section.findIndex((l) => l.startsWith('|'));
  const last = section.findIndex((l, i) => i > first && !l.startsWith('|'));
  const rows = section
    .slice(first, last < 0 ? undefined : last)
    .filter((l) => /^\|\s*`[a-z_]+`/.test(l))
    .map((l) => {
      const [names, owner, readers] = l.split('|').slice(1, 4);
      const ticked = (cell = '') => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      return {
        tables: ticked(names),
        allowed: new Set([...ticked(owner), ...ticked(readers).filter((r) => r.endsWith('/'))]),
        readers: ticked(readers).filter((r) => r.endsWith('/')),
      };
    });

  /** The context of a source file: its folder (`donations/`), or the file at the root. */
  const contextOf = (file: string) => (file.includes('/') ? `${file.split('/')[0]}/` : file);

  /** Which contexts name each table: as Kysely's table argument, a qualified column, or in SQL text. */
  const namedBy = new Map<string, Map<string, string[]>>(tables.map((t) => [t, new Map()]));
  for (const file of sources) {
    // Migrations are frozen history and the schema types describe every table.
    if (file.startsWith('db/migrations/') || file === 'db/schema.ts') continue;
    const code = read(file)
      .split('\n')
      .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
      .join('\n');
    for (const t of tables) {
      const names = new RegExp(
        `(selectFrom|innerJoin|leftJoin|rightJoin|fullJoin|insertInto|updateTable|deleteFrom|mergeInto)\\(\\s*'${t}( as \\w+)?'|'${t}\\.\\w+'|\\b(from|join|update|into)\\s+${t}\\b`,
      );
      if (!names.test(code)) continue;
      const byContext = namedBy.get(t)!;
      byContext.set(contextOf(file), [...(byContext.get(contextOf(file)) ?? []), file]);
    }
  }

  it('finds the tables, and the document lists each once', () => {
    expect(tables).toEqual(expect.arrayContaining(['donations', 'project_funds', 'files']));
    expect(rows.flatMap((r) => r.tables).sort()).toEqual([...tables].sort());
  });

  it.each(tables)('%s', (table) => {
    const row = rows.find((r) => r.tables.includes(table));
    const outside = [...namedBy.get(table)!].filter(([context]) => !row?.allowed.has(context));
    // Each file that names the table from a context the document does not allow.
    expect(outside.flatMap(([, files]) => files)).toEqual([]);
  });

  it('lists no reader that names none of its tables', () => {
    const stale = rows.flatMap((r) =>
      r.readers
        .filter((reader) => !r.tables.some((t) => namedBy.get(t)?.has(reader)))
        .map((reader) => `${reader} for ${r.tables.join(', ')}`),
    );
    expect(stale).toEqual([]);
  });
});
