import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  InvitationAccepted,
  InvitationCreated,
  InvitationIdParams,
  Invitations,
  InviteBody,
  Org,
  OrgIdParams,
  OrgInvitationParams,
  OrgList,
  OrgMemberParams,
  OrgMembers,
  OrgPage,
  OrgReviews,
  OrgSearchQuery,
  RegisterOrgBody,
  UpdateOrgBody,
} from '@goodtrace/contract';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { requireUser } from '../http/auth.js';
import { errorResponses } from '../http/schemas.js';
import {
  acceptInvitation,
  inviteMember,
  listMembers,
  listOpenInvitations,
  removeMember,
  revokeInvitation,
} from './members.js';
import { findMembership, findOrg, toOrgView } from './queries.js';
import { registerOrg, resubmitOrg, updateOrg } from './register-org.js';
import { listReviews } from './review-org.js';
import { listOrgsOfUser, searchOrgs } from './search-orgs.js';

/** Charities: registration, the public directory, members and invitations. */
const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/orgs',
    {
      config: { access: 'public' },
      schema: {
        tags: ['charities'],
        summary: 'Search verified charities by name, city and cause',
        querystring: OrgSearchQuery,
        response: { 200: OrgPage, ...errorResponses },
      },
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const { total, rows } = await searchOrgs(app.db, { ...request.query, status: 'verified' });
      return { items: rows.map((r) => toOrgView(r, false)), total, page, pageSize };
    },
  );

  app.post(
    '/orgs',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['charities'],
        summary: 'Register a charity; it awaits verification by the platform',
        body: RegisterOrgBody,
        response: { 201: Org, ...errorResponses },
      },
    },
    async (request, reply) => {
      const org = await registerOrg(app.db, requireUser(request).user.id, request.body);
      return reply.status(201).send({ ...toOrgView(org, true), myRole: 'owner' as const });
    },
  );

  app.get(
    '/orgs/:orgId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['charities'],
        summary: 'One charity. Unverified charities are visible only to their members and staff.',
        params: OrgIdParams,
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request) => {
      const org = await findOrg(app.db, request.params.orgId);
      if (!org) throw new AppError('not_found');
      const user = request.auth?.user;
      const myRole = user ? ((await findMembership(app.db, org.id, user.id)) ?? null) : null;
      const staff = user?.platformRole === 'admin' || user?.platformRole === 'auditor';
      const insider = myRole !== null || staff;
      if (org.status !== 'verified' && !insider) throw new AppError('not_found');
      return { ...toOrgView(org, insider), myRole };
    },
  );

  app.patch(
    '/orgs/:orgId',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['charities'],
        summary: "Edit a charity's details",
        params: OrgIdParams,
        body: UpdateOrgBody,
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request) => {
      const org = await updateOrg(app.db, request.params.orgId, request.body);
      return { ...toOrgView(org, true), myRole: request.orgRole };
    },
  );

  app.post(
    '/orgs/:orgId/resubmit',
    {
      config: { access: 'org-owner' },
      schema: {
        tags: ['charities'],
        summary: 'Send a rejected charity back for verification',
        params: OrgIdParams,
        response: { 200: Org, ...errorResponses },
      },
    },
    async (request) => {
      const org = await resubmitOrg(app.db, request.params.orgId, requireUser(request).user.id);
      return { ...toOrgView(org, true), myRole: request.orgRole };
    },
  );

  app.get(
    '/orgs/:orgId/reviews',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['charities'],
        summary: "The history of the platform's verification decisions on a charity",
        params: OrgIdParams,
        response: { 200: OrgReviews, ...errorResponses },
      },
    },
    async (request) => listReviews(app.db, request.params.orgId),
  );

  app.get(
    '/orgs/:orgId/members',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['charities'],
        summary: "A charity's members and open invitations",
        params: OrgIdParams,
        response: { 200: OrgMembers, ...errorResponses },
      },
    },
    async (request) => ({
      members: await listMembers(app.db, request.params.orgId),
      invitations: await listOpenInvitations(app.db, { orgId: request.params.orgId }),
    }),
  );

  app.post(
    '/orgs/:orgId/invitations',
    {
      config: { access: 'org-owner' },
      schema: {
        tags: ['charities'],
        summary: 'Invite someone by email to join as owner or editor',
        params: OrgIdParams,
        body: InviteBody,
        response: { 201: InvitationCreated, ...errorResponses },
      },
    },
    async (request, reply) => {
      const inv = await inviteMember(app.db, {
        orgId: request.params.orgId,
        inviterId: requireUser(request).user.id,
        ...request.body,
      });
      request.log.info({ orgId: request.params.orgId, invitationId: inv.id }, 'invitation created');
      return reply.status(201).send({
        id: inv.id,
        email: inv.email,
        role: inv.role,
        createdAt: inv.created_at.toISOString(),
      });
    },
  );

  app.delete(
    '/orgs/:orgId/invitations/:invitationId',
    {
      config: { access: 'org-owner' },
      schema: {
        tags: ['charities'],
        summary: 'Withdraw an open invitation',
        params: OrgInvitationParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeInvitation(
        app.db,
        request.params.orgId,
        request.params.invitationId,
        app.clock(),
      );
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/orgs/:orgId/members/:userId',
    {
      config: { access: 'org-owner' },
      schema: {
        tags: ['charities'],
        summary: 'Remove a member (never the last owner)',
        params: OrgMemberParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeMember(app.db, request.params.orgId, request.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me/orgs',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['charities'],
        summary: 'The charities I belong to, with their verification status',
        response: { 200: OrgList, ...errorResponses },
      },
    },
    async (request) => {
      const rows = await listOrgsOfUser(app.db, requireUser(request).user.id);
      return rows.map((r) => ({ ...toOrgView(r, true), myRole: r.role }));
    },
  );

  app.get(
    '/me/invitations',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['charities'],
        summary: 'Open invitations addressed to my email',
        response: { 200: Invitations, ...errorResponses },
      },
    },
    async (request) => listOpenInvitations(app.db, { email: requireUser(request).user.email }),
  );

  app.post(
    '/me/invitations/:invitationId/accept',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['charities'],
        summary: 'Accept an invitation addressed to my email',
        params: InvitationIdParams,
        response: { 200: InvitationAccepted, ...errorResponses },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return acceptInvitation(app.db, {
        invitationId: request.params.invitationId,
        userId: user.id,
        email: user.email,
        now: app.clock(),
      });
    },
  );
};

export default orgRoutes;
