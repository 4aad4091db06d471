import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { bookTables, columns, sheetNames } from './book-tables.js';
import { cellFormat, xlsxCell } from './cells.js';
import { logHead } from './queries.js';
import { type BooksSource, type OpenBooks, openBooks } from './read-books.js';

export interface AboutFacts {
  charity: { name: string; registrationNumber: string };
  generatedAt: Date;
}

/**
 * The whole books as one XLSX workbook: a sheet per table and an "About" sheet, streamed a
 * page at a time.
 */
export function booksWorkbook(source: BooksSource, facts: AboutFacts): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'Goodtrace';
  workbook.created = facts.generatedAt;

  // exceljs buffers whatever it is given; waiting for the response to drain after each page
  // keeps at most about a page in memory when the client reads slowly.
  const drained = async () => {
    if (out.destroyed) throw new Error('the client went away');
    if (out.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
    }
    if (out.destroyed) throw new Error('the client went away');
  };

  const write = async () => {
    let books: OpenBooks | undefined;
    try {
      books = await openBooks(source);
      const log = await logHead(books.db);
      for (const table of bookTables) {
        const cols = columns[table];
        const sheet = workbook.addWorksheet(sheetNames[table], {
          views: [{ state: 'frozen', ySplit: 1 }],
        });
        sheet.columns = cols.map((c) => ({
          header: c.header,
          width: c.width,
          ...(cellFormat(c.kind) ? { style: { numFmt: cellFormat(c.kind)! } } : {}),
        }));
        sheet.getRow(1).font = { bold: true };
        sheet.getRow(1).commit();
        for await (const page of books.pages(table)) {
          for (const row of page)
            sheet.addRow(row.map((v, i) => xlsxCell(v, cols[i]!.kind))).commit();
          await drained();
        }
        sheet.commit();
      }
      const about = workbook.addWorksheet('About');
      about.columns = [{ width: 24, style: { font: { bold: true } } }, { width: 90 }];
      const lines: [string, string | number][] = [
        ['Charity', facts.charity.name],
        ['Registration number', facts.charity.registrationNumber],
        ['Generated at (UTC)', facts.generatedAt.toISOString()],
        ['Log origin', log?.origin ?? ''],
        ['Log tree size', log ? Number(log.tree_size) : 0],
        ['Amounts', 'Amounts are in yuan (CNY) with 2 decimals.'],
        [
          'Verification',
          'Every donation and disbursement can be verified on the public log by its id ' +
            '(and found at its log index): see /transparency and /api/receipts/<donation id>.',
        ],
      ];
      for (const line of lines) about.addRow(line).commit();
      about.commit();
      await workbook.commit();
    } finally {
      await books?.close();
    }
  };
  write().catch((err) => out.destroy(err));
  return out;
}
