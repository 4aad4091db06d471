import { Type } from 'typebox';
import { Uuid } from './values.js';

/**
 * A charity's books exported (apps/server/src/books/): the answers are files (XLSX, CSV), so
 * only the request is a schema here; the tables are described in docs/money.md "Books export".
 */

/** Not an enum: an unknown table is a missing file (404), not a malformed request. */
export const BooksCsvParams = Type.Object({ orgId: Uuid, table: Type.String({ maxLength: 40 }) });
