import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Beneficiaries,
  Beneficiary,
  BeneficiaryBody,
  CreateProjectBody,
  OrgIdParams,
  OrgProjectParams,
  OrgProjects,
  PageQuery,
  ProjectDetail,
  ProjectDisbursements,
  ProjectIdParams,
  ProjectPage,
  ProjectSearchQuery,
  PublicDonationPage,
  UpdateProjectBody,
} from '@goodtrace/contract';
import { listProjectDonations } from '../donations/queries.js';
import { AppError } from '../errors.js';
import { requireUser } from '../http/auth.js';
import { errorResponses } from '../http/schemas.js';
import { listDisbursements } from '../spending/queries.js';
import { createBeneficiary, listBeneficiaries } from './beneficiaries.js';
import { createProject, publishProject, updateProject } from './projects.js';
import { getProject, isPublished, listOrgProjects, searchProjects } from './queries.js';

const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const today = () => app.clock().toISOString().slice(0, 10);

  app.get(
    '/projects',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Search published projects',
        tags: ['projects'],
        querystring: ProjectSearchQuery,
        response: { 200: ProjectPage, 400: errorResponses[400] },
      },
    },
    async (request) => {
      const { q, cause, city, orgId, sort, page, pageSize } = request.query;
      return searchProjects(app.db, {
        ...(q?.trim() ? { q: q.trim() } : {}),
        ...(cause ? { cause } : {}),
        ...(city?.trim() ? { city: city.trim() } : {}),
        ...(orgId ? { orgId } : {}),
        sort: sort ?? 'newest',
        page,
        pageSize,
        today: today(),
      });
    },
  );

  app.get(
    '/projects/:projectId',
    {
      config: { access: 'public' },
      schema: {
        summary: 'A published project: budget, money flow, log events',
        tags: ['projects'],
        params: ProjectIdParams,
        response: { 200: ProjectDetail, 404: errorResponses[404] },
      },
    },
    async (request) => {
      const project = await getProject(app.db, request.params.projectId, app.clock());
      if (!project || project.status === 'draft')
        throw new AppError('not_found', 'No such project.');
      return project;
    },
  );

  app.get(
    '/projects/:projectId/donations',
    {
      config: { access: 'public' },
      schema: {
        summary: "A project's paid donations (public fields and receipt ids)",
        tags: ['projects', 'donations'],
        params: ProjectIdParams,
        querystring: PageQuery,
        response: { 200: PublicDonationPage, 404: errorResponses[404] },
      },
    },
    async (request) => {
      await publicProject(request.params.projectId);
      return listProjectDonations(
        app.db,
        request.params.projectId,
        request.query.page,
        request.query.pageSize,
      );
    },
  );

  app.get(
    '/projects/:projectId/disbursements',
    {
      config: { access: 'public' },
      schema: {
        summary: "A project's disbursements with payee, evidence and confirmation",
        tags: ['projects', 'spending'],
        params: ProjectIdParams,
        response: { 200: ProjectDisbursements, 404: errorResponses[404] },
      },
    },
    async (request) => {
      await publicProject(request.params.projectId);
      return { items: await listDisbursements(app.db, request.params.projectId, app.clock()) };
    },
  );

  /** The project just written, as its page shows it. */
  async function projectOf(projectId: string) {
    const project = await getProject(app.db, projectId, app.clock());
    if (!project) throw new AppError('not_found', 'No such project.');
    return project;
  }

  async function publicProject(projectId: string) {
    if (!(await isPublished(app.db, projectId)))
      throw new AppError('not_found', 'No such project.');
  }

  app.get(
    '/orgs/:orgId/projects',
    {
      config: { access: 'org-member' },
      schema: {
        summary: "A charity's projects, drafts too",
        tags: ['projects'],
        params: OrgIdParams,
        response: { 200: OrgProjects, ...errorResponses },
      },
    },
    async (request) => ({ items: await listOrgProjects(app.db, request.params.orgId) }),
  );

  app.post(
    '/orgs/:orgId/projects',
    {
      config: { access: 'org-member' },
      schema: {
        summary: 'Draft a project',
        tags: ['projects'],
        params: OrgIdParams,
        body: CreateProjectBody,
        response: { 201: ProjectDetail, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = await createProject(
        app.db,
        request.params.orgId,
        requireUser(request).user.id,
        request.body,
      );
      reply.code(201);
      return projectOf(id);
    },
  );

  app.get(
    '/orgs/:orgId/projects/:projectId',
    {
      config: { access: 'org-member' },
      schema: {
        summary: 'A project of this charity, draft or not',
        tags: ['projects'],
        params: OrgProjectParams,
        response: { 200: ProjectDetail, ...errorResponses },
      },
    },
    async (request) => {
      const project = await getProject(app.db, request.params.projectId, app.clock());
      if (!project || project.orgId !== request.params.orgId)
        throw new AppError('not_found', 'No such project in this charity.');
      return project;
    },
  );

  app.patch(
    '/orgs/:orgId/projects/:projectId',
    {
      config: { access: 'org-member' },
      schema: {
        summary: "Edit a project; a published project's budget change goes on the log",
        tags: ['projects'],
        params: OrgProjectParams,
        body: UpdateProjectBody,
        response: { 200: ProjectDetail, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, projectId } = request.params;
      await updateProject(app.db, orgId, projectId, request.body, app.clock());
      return projectOf(projectId);
    },
  );

  app.post(
    '/orgs/:orgId/projects/:projectId/publish',
    {
      config: { access: 'org-member' },
      schema: {
        summary: 'Publish a project (on the log; opens donations)',
        tags: ['projects'],
        params: OrgProjectParams,
        response: { 200: ProjectDetail, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, projectId } = request.params;
      await publishProject(app.db, orgId, projectId, app.clock());
      return projectOf(projectId);
    },
  );

  app.get(
    '/orgs/:orgId/beneficiaries',
    {
      config: { access: 'org-member' },
      schema: {
        summary: "A charity's registered payees",
        tags: ['spending'],
        params: OrgIdParams,
        response: { 200: Beneficiaries, ...errorResponses },
      },
    },
    async (request) => ({ items: await listBeneficiaries(app.db, request.params.orgId) }),
  );

  app.post(
    '/orgs/:orgId/beneficiaries',
    {
      config: { access: 'org-member' },
      schema: {
        summary: 'Register a payee: a school, a person or a supplier',
        tags: ['spending'],
        params: OrgIdParams,
        body: BeneficiaryBody,
        response: { 201: Beneficiary, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return createBeneficiary(app.db, request.params.orgId, request.body);
    },
  );
};

export default projectRoutes;
