import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BooksCsvParams, OrgIdParams } from '@goodtrace/contract';
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import { binary, errorResponses } from '../http/schemas.js';
import { isBookTable } from './book-tables.js';
import { booksCsv } from './books-csv.js';
import { booksWorkbook } from './books-workbook.js';
import { ExportGate } from './export-gate.js';
import { exportFileName } from './file-name.js';
import { findCharity } from './queries.js';

/** Exports reading at once, per server; the others wait their turn. */
const CONCURRENT_EXPORTS = 2;

const booksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const gate = new ExportGate(CONCURRENT_EXPORTS);

  async function charityOf(orgId: string) {
    const charity = await findCharity(app.db, orgId);
    if (!charity) throw new AppError('not_found', 'No such charity.');
    return charity;
  }

  function download(reply: FastifyReply, contentType: string, fileName: string) {
    reply
      .header('content-type', contentType)
      .header('content-disposition', `attachment; filename="${fileName}"`)
      // The books of a charity: never kept by a browser or a proxy.
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
  }

  app.get(
    '/orgs/:orgId/books.xlsx',
    {
      config: { access: 'org-member' },
      schema: {
        summary:
          "The charity's books as one workbook: donations, disbursements, allocations, balances",
        tags: ['books'],
        params: OrgIdParams,
        response: {
          200: binary('An XLSX workbook (docs/money.md "Books export")', [
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          ]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { orgId } = request.params;
      const charity = await charityOf(orgId);
      const now = app.clock();
      download(
        reply,
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        exportFileName('books', charity.registrationNumber, now, 'xlsx'),
      );
      return reply.send(
        booksWorkbook({ database: app.database, gate, orgId }, { charity, generatedAt: now }),
      );
    },
  );

  app.get(
    '/orgs/:orgId/books/:table.csv',
    {
      config: { access: 'org-member' },
      schema: {
        summary: 'One table of the books as CSV: donations, disbursements, allocations or balances',
        tags: ['books'],
        params: BooksCsvParams,
        response: {
          200: binary('CSV, UTF-8 with a BOM (docs/money.md "Books export")', ['text/csv']),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { orgId, table } = request.params;
      if (!isBookTable(table))
        throw new AppError(
          'not_found',
          'No such table: donations, disbursements, allocations or balances.',
        );
      const charity = await charityOf(orgId);
      download(
        reply,
        'text/csv; charset=utf-8',
        exportFileName(table, charity.registrationNumber, app.clock(), 'csv'),
      );
      return reply.send(booksCsv({ database: app.database, gate, orgId }, table));
    },
  );
};

export default booksRoutes;
