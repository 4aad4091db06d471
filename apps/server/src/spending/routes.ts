import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AckCodeParams,
  AckDetails,
  AcknowledgeBody,
  Acknowledged,
  OrgProjectParams,
  RecordDisbursementBody,
  RecordedDisbursement,
} from '@goodtrace/contract';
import { requireUser } from '../http/auth.js';
import { errorResponses } from '../http/schemas.js';
import { acknowledgeDisbursement, findAcknowledgement } from './acknowledge.js';
import { recordDisbursement } from './record-disbursement.js';

const spendingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/orgs/:orgId/projects/:projectId/disbursements',
    {
      config: { access: 'org-member' },
      schema: {
        summary:
          'Record money paid from a project, with evidence; answers the one-time confirmation code',
        tags: ['spending'],
        params: OrgProjectParams,
        body: RecordDisbursementBody,
        response: { 201: RecordedDisbursement, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, projectId } = request.params;
      const result = await recordDisbursement(
        app.db,
        orgId,
        projectId,
        requireUser(request).user.id,
        request.body,
        app.clock(),
      );
      reply.code(201);
      return {
        id: result.id,
        outboxId: result.outboxId,
        allocations: result.allocations,
        ackCode: result.ackCode,
        ackUrl: `/ack/${result.ackCode}`,
      };
    },
  );

  app.get(
    '/acknowledgements/:code',
    {
      config: { access: 'public' },
      schema: {
        summary: 'What a beneficiary is asked to confirm (from the one-time code)',
        tags: ['spending'],
        params: AckCodeParams,
        response: { 200: AckDetails, 404: errorResponses[404] },
      },
    },
    async (request) => findAcknowledgement(app.db, request.params.code),
  );

  app.post(
    '/acknowledgements/:code',
    {
      config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        summary: 'The beneficiary confirms receipt (no account; the code works once)',
        tags: ['spending'],
        params: AckCodeParams,
        body: AcknowledgeBody,
        response: { 200: Acknowledged, ...errorResponses },
      },
    },
    async (request) =>
      acknowledgeDisbursement(app.db, request.params.code, request.body, app.clock()),
  );
};

export default spendingRoutes;
