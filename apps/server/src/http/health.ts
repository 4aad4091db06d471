import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Alive, ErrorResponse, Ready } from '@goodtrace/contract';
import { errorBody } from '../errors.js';

/** /healthz: the process is alive. /readyz: it can serve, i.e. its database answers. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        response: { 200: Alive },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        response: { 200: Ready, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (app.closing)
        return reply.status(503).send(errorBody('not_ready', 'The server is shutting down.'));
      try {
        await app.database.ping();
        return { status: 'ready' as const, store: app.database.kind };
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.status(503).send(errorBody('not_ready'));
      }
    },
  );
};

export default healthRoutes;
