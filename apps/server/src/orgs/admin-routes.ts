import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Org, OrgIdParams, OrgPage, RejectOrgBody, ReviewQueueQuery } from '@goodtrace/contract';
import { requireUser } from '../http/auth.js';
import { errorResponses } from '../http/schemas.js';
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
        querystring: ReviewQueueQuery,
        response: { 200: OrgPage, ...errorResponses },
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
        body: RejectOrgBody,
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
