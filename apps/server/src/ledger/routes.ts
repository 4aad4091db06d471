import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Alarms,
  AlarmsQuery,
  ConsistencyProof,
  ConsistencyProofQuery,
  EventIdParams,
  InclusionProof,
  InclusionProofQuery,
  LogEntries,
  LogEntriesQuery,
  LogEntry,
  LogIndexParams,
  LogInfo,
  Receipt,
  ReceiptPending,
} from '@goodtrace/contract';
import { encodeEntryBundle, isLedgerError, parseTilePath, TILE_WIDTH } from '@goodtrace/ledger';
import { errorBody } from '../errors.js';
import { binary, errorResponses } from '../http/schemas.js';
import {
  currentSize,
  getConsistencyProof,
  getEntry,
  getInclusionProof,
  getReceipt,
  listAlarms,
  listEntries,
  readEntries,
} from './read.js';
import { readTiles } from './tile-store.js';

const immutable = 'public, max-age=31536000, immutable';

/**
 * The log over HTTP, exactly as C2SP tlog-tiles says, under /log (so generic tlog tooling
 * can read it): checkpoint, hash tiles and entry bundles. Tiles are immutable, partial ones
 * included: a path names its width, and the hashes a width covers never change.
 */
export const tlogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/checkpoint',
    {
      schema: {
        tags: ['log'],
        summary: 'The latest checkpoint, with cosignatures',
        response: { 200: binary('A signed note (C2SP checkpoint)', ['text/plain']) },
      },
    },
    async (_req, reply) => {
      const { note } = await app.ledger.servedCheckpoint();
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(note);
    },
  );

  app.get(
    '/key',
    {
      schema: {
        tags: ['log'],
        summary: "The log's verifier key (name+id+base64)",
        response: { 200: binary('The verifier key, one line', ['text/plain']) },
      },
    },
    async (_req, reply) =>
      reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(`${app.ledger.key.verifierKey}\n`),
  );

  app.get(
    '/tile/*',
    {
      schema: {
        tags: ['log'],
        summary: 'A hash tile or an entry bundle (C2SP tlog-tiles)',
        response: {
          200: binary('The tile', ['application/octet-stream']),
          404: errorResponses[404],
        },
      },
    },
    async (request, reply) => {
      const path = `tile/${(request.params as { '*': string })['*']}`;
      let tile: ReturnType<typeof parseTilePath>;
      try {
        tile = parseTilePath(path);
      } catch (err) {
        if (isLedgerError(err))
          return reply.status(404).send(errorBody('not_found', `${path}: ${err.message}`));
        throw err;
      }
      let body: Uint8Array | undefined;
      if (tile.level === -1) {
        const first = tile.index * TILE_WIDTH;
        const rows = await readEntries(app.db, first, first + tile.width);
        if (rows.length === tile.width) body = encodeEntryBundle(rows.map((r) => r.leaf));
      } else {
        const stored = (await readTiles(app.db, [tile])).get(`${tile.level}/${tile.index}`);
        if (stored && stored.data.length >= tile.width * 32)
          body = stored.data.subarray(0, tile.width * 32);
      }
      if (!body)
        return reply.status(404).send(errorBody('not_found', `${path} does not exist (yet).`));
      return reply
        .header('content-type', 'application/octet-stream')
        .header('cache-control', immutable)
        .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  );
};

/** JSON conveniences over the same log, under /api/log. All public. */
export const logApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary: "The log's origin, key, witnesses and latest checkpoint",
        response: { 200: LogInfo },
      },
    },
    async () => app.ledger.describe(),
  );

  app.get(
    '/alarms',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['log'],
        summary:
          'Fork alarms, newest first: witnesses that hold another history of the log (docs/ledger.md)',
        querystring: AlarmsQuery,
        response: { 200: Alarms, ...errorResponses },
      },
    },
    async (request) => ({ items: await listAlarms(app.db, request.query.limit) }),
  );

  app.get(
    '/entries',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary: 'Log entries from index `from` on (default: the latest `limit`), oldest first',
        querystring: LogEntriesQuery,
        response: { 200: LogEntries, ...errorResponses },
      },
    },
    async (request) => {
      const { limit } = request.query;
      const treeSize = await currentSize(app.db);
      const from = request.query.from ?? Math.max(0, treeSize - limit);
      return { treeSize, items: await listEntries(app.db, from, limit) };
    },
  );

  app.get(
    '/entries/:index',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary: 'One log entry: the event and its leaf hash',
        params: LogIndexParams,
        response: { 200: LogEntry, ...errorResponses },
      },
    },
    async (request) => getEntry(app.db, request.params.index),
  );

  app.get(
    '/proofs/inclusion',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary:
          'An inclusion proof for an entry, against a signed tree size (default: the latest)',
        querystring: InclusionProofQuery,
        response: { 200: InclusionProof, ...errorResponses },
      },
    },
    async (request) =>
      getInclusionProof(app.db, app.ledger.tiles, request.query.index, request.query.treeSize),
  );

  app.get(
    '/proofs/consistency',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary: 'A consistency proof between two signed tree sizes (to: default the latest)',
        querystring: ConsistencyProofQuery,
        response: { 200: ConsistencyProof, ...errorResponses },
      },
    },
    async (request) =>
      getConsistencyProof(app.db, app.ledger.tiles, request.query.from, request.query.to),
  );

  app.get(
    '/receipts/:eventId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary:
          'The receipt of an event put on the log: 202 while pending, then the receipt (packages/ledger format)',
        params: EventIdParams,
        response: { 200: Receipt, 202: ReceiptPending, ...errorResponses },
      },
    },
    async (request, reply) => {
      const found = await getReceipt(app.db, request.params.eventId, app.ledger.receipts);
      if (found.status === 'pending') return reply.status(202).send({ status: 'pending' as const });
      return found.receipt;
    },
  );
};
