import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { type BookTable, columns } from './book-tables.js';
import { csvCell } from './cells.js';
import { type BooksSource, openBooks } from './read-books.js';

/**
 * One table as CSV: UTF-8 with a BOM (so Excel reads Chinese), RFC 4180, CRLF. Rows are read a
 * page at a time and streamed, so a charity with a million donations never becomes one string.
 */
export function booksCsv(source: BooksSource, table: BookTable): Readable {
  const cols = columns[table];
  const rows = Readable.from(
    (async function* () {
      const books = await openBooks(source);
      try {
        for await (const page of books.pages(table)) {
          for (const row of page) yield row.map((v, i) => csvCell(v, cols[i]!.kind));
        }
      } finally {
        await books.close();
      }
    })(),
  );
  const csv = stringify({
    bom: true,
    header: true,
    columns: cols.map((c) => c.header),
    record_delimiter: 'windows',
  });
  // Either side failing or the client going away ends both, and so the snapshot.
  pipeline(rows, csv, () => {});
  return csv;
}
