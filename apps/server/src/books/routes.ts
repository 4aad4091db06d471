import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { errorResponses, Json, OrgIdParams, Uuid } from '../http/schemas.js';
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
          200: Json('An XLSX workbook (docs/money.md "Books export")'),
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
        // Not an enum: an unknown table is a missing file (404), not a malformed request.
        params: Type.Object({ orgId: Uuid, table: Type.String({ maxLength: 40 }) }),
        response: {
          200: Json('CSV, UTF-8 with a BOM (docs/money.md "Books export")'),
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
