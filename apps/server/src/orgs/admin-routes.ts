import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireUser } from '../http/auth.js';
import { errorResponses, Org, OrgIdParams, Pagination, Text } from '../http/schemas.js';
import { toOrgView } from './queries.js';
import { reviewOrg } from './review-org.js';
import { searchOrgs } from './search-orgs.js';

/** The platform's review queue: admins decide, auditors may look. */
const adminOrgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/orgs',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['admin'],
        summary: 'Charities by verification status (default: pending)',
        querystring: Type.Object({
          status: Type.Union(
            [Type.Literal('pending'), Type.Literal('verified'), Type.Literal('rejected')],
            {
              default: 'pending',
            },
          ),
          q: Type.Optional(Type.String({ maxLength: 100 })),
          ...Pagination,
        }),
        response: {
          200: Type.Object({
            items: Type.Array(Org),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const { total, rows } = await searchOrgs(app.db, request.query);
      return { items: rows.map((r) => toOrgView(r, true)), total, page, pageSize };
    },
  );

  app.post(
    '/orgs/:orgId/verify',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Verify a pending charity; it gets a public page',
        params: OrgIdParams,
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request) => {
      const org = await reviewOrg(app.db, {
        orgId: request.params.orgId,
        adminId: requireUser(request).user.id,
        decision: 'verified',
        now: app.clock(),
      });
      return toOrgView(org, true);
    },
  );

  app.post(
    '/orgs/:orgId/reject',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Reject a pending charity with a reason its members will see',
        params: OrgIdParams,
        body: Type.Object({ reason: Text(1000, 5) }, { additionalProperties: false }),
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request) => {
      const org = await reviewOrg(app.db, {
        orgId: request.params.orgId,
        adminId: requireUser(request).user.id,
        decision: 'rejected',
        reason: request.body.reason,
        now: app.clock(),
      });
      return toOrgView(org, true);
    },
  );
};

export default adminOrgRoutes;
