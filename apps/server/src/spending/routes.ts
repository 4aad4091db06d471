import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireUser } from '../http/auth.js';
import { errorResponses, Json, Text, Uuid } from '../http/schemas.js';
import { Money } from '../projects/routes.js';
import { acknowledgeDisbursement, findAcknowledgement } from './acknowledge.js';
import { recordDisbursement } from './record-disbursement.js';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const CodeParams = Type.Object({ code: Type.String({ minLength: 10, maxLength: 40 }) });

const spendingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/orgs/:orgId/projects/:projectId/disbursements',
    {
      config: { access: 'org-member' },
      schema: {
        summary:
          'Record money paid from a project, with evidence; answers the one-time confirmation code',
        tags: ['spending'],
        params: Type.Object({ orgId: Uuid, projectId: Uuid }),
        body: Type.Object(
          {
            ...Money.properties,
            budgetLineId: Uuid,
            beneficiaryId: Uuid,
            purpose: Text(500, 3),
            date: Type.String({ format: 'date' }),
            evidence: Type.Array(
              Type.Object(
                {
                  sha256: Sha256,
                  kind: Type.Union([
                    Type.Literal('invoice'),
                    Type.Literal('receipt'),
                    Type.Literal('photo'),
                  ]),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 20 },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Json(), ...errorResponses },
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
        params: CodeParams,
        response: { 200: Json(), 404: errorResponses[404] },
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
        params: CodeParams,
        body: Type.Object(
          {
            note: Type.Optional(Type.Union([Text(1000), Type.Null()])),
            photoSha256: Type.Optional(Type.Union([Sha256, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Json(), ...errorResponses },
      },
    },
    async (request) =>
      acknowledgeDisbursement(app.db, request.params.code, request.body, app.clock()),
  );
};

export default spendingRoutes;
