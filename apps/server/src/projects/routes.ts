import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listProjectDonations } from '../donations/queries.js';
import { AppError } from '../errors.js';
import { requireUser } from '../http/auth.js';
import { Cause, errorResponses, Json, Pagination, Text, Uuid } from '../http/schemas.js';
import { listDisbursements } from '../spending/queries.js';
import { createBeneficiary, listBeneficiaries } from './beneficiaries.js';
import { createProject, publishProject, updateProject } from './projects.js';
import { getProject, listOrgProjects, searchProjects } from './queries.js';

export const Money = Type.Object(
  {
    amount: Type.Integer({ description: 'In fen: 5000 is ¥50.00' }),
    currency: Type.String({ minLength: 3, maxLength: 3, description: 'CNY' }),
  },
  { additionalProperties: false },
);
const IsoDate = Type.String({ format: 'date' });
const BudgetLine = Type.Object(
  {
    id: Type.Optional(Uuid),
    label: Text(80),
    amount: Type.Integer({ description: 'In fen' }),
  },
  { additionalProperties: false },
);
const ProjectFields = {
  title: Text(120, 2),
  summary: Text(300, 10),
  story: Text(10_000, 10),
  cause: Cause,
  city: Text(64),
  region: Text(64),
  beneficiaryDescription: Text(2000, 3),
  goal: Money,
  budget: Type.Array(BudgetLine, { minItems: 1, maxItems: 50 }),
  startDate: IsoDate,
  endDate: IsoDate,
  coverSha256: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()])),
};
const ProjectIdParams = Type.Object({ projectId: Uuid });
const OrgProjectParams = Type.Object({ orgId: Uuid, projectId: Uuid });
const Sort = Type.Union([
  Type.Literal('newest'),
  Type.Literal('most_funded'),
  Type.Literal('closing_soon'),
]);

const projectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const today = () => app.clock().toISOString().slice(0, 10);

  app.get(
    '/projects',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Search published projects',
        tags: ['projects'],
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          cause: Type.Optional(Cause),
          city: Type.Optional(Type.String({ maxLength: 64 })),
          orgId: Type.Optional(Uuid),
          sort: Type.Optional(Sort),
          ...Pagination,
        }),
        response: { 200: Json('A page of projects'), 400: errorResponses[400] },
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
        response: { 200: Json(), 404: errorResponses[404] },
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
        querystring: Type.Object({ ...Pagination }),
        response: { 200: Json(), 404: errorResponses[404] },
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
        response: { 200: Json(), 404: errorResponses[404] },
      },
    },
    async (request) => {
      await publicProject(request.params.projectId);
      return { items: await listDisbursements(app.db, request.params.projectId, app.clock()) };
    },
  );

  async function publicProject(projectId: string) {
    const p = await app.db
      .selectFrom('projects')
      .select('status')
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (!p || p.status === 'draft') throw new AppError('not_found', 'No such project.');
  }

  app.get(
    '/orgs/:orgId/projects',
    {
      config: { access: 'org-member' },
      schema: {
        summary: "A charity's projects, drafts too",
        tags: ['projects'],
        params: Type.Object({ orgId: Uuid }),
        response: { 200: Json(), ...errorResponses },
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
        params: Type.Object({ orgId: Uuid }),
        body: Type.Object(ProjectFields, { additionalProperties: false }),
        response: { 200: Json(), 201: Json(), ...errorResponses },
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
      return getProject(app.db, id, app.clock());
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
        response: { 200: Json(), ...errorResponses },
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
        // Type.Partial drops the options of the object it is given: they go on the result.
        body: Type.Partial(Type.Object({ ...ProjectFields, budgetChangeReason: Text(500) }), {
          additionalProperties: false,
          minProperties: 1,
        }),
        response: { 200: Json(), 201: Json(), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, projectId } = request.params;
      await updateProject(app.db, orgId, projectId, request.body, app.clock());
      return getProject(app.db, projectId, app.clock());
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
        response: { 200: Json(), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, projectId } = request.params;
      await publishProject(app.db, orgId, projectId, app.clock());
      return getProject(app.db, projectId, app.clock());
    },
  );

  app.get(
    '/orgs/:orgId/beneficiaries',
    {
      config: { access: 'org-member' },
      schema: {
        summary: "A charity's registered payees",
        tags: ['spending'],
        params: Type.Object({ orgId: Uuid }),
        response: { 200: Json(), ...errorResponses },
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
        params: Type.Object({ orgId: Uuid }),
        body: Type.Object(
          {
            name: Text(120, 2),
            kind: Type.Union([
              Type.Literal('school'),
              Type.Literal('person'),
              Type.Literal('supplier'),
            ]),
            region: Text(64),
          },
          { additionalProperties: false },
        ),
        response: { 200: Json(), 201: Json(), ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return createBeneficiary(app.db, request.params.orgId, request.body);
    },
  );
};

export default projectRoutes;
