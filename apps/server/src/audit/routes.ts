import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AnomalyList,
  AnomalyQuery,
  AnswerFindingBody,
  CharityBooks,
  FileFindingBody,
  FindingIdParams,
  FindingRecorded,
  Findings,
  FindingsQuery,
  LatestCosigned,
  LogHealth,
  OrgFindingParams,
  OrgIdParams,
} from '@goodtrace/contract';
import { requireUser } from '../http/auth.js';
import { errorResponses } from '../http/schemas.js';
import { latestCosignedCheckpoint } from '../ledger/read.js';
import { anomalyList, charityBooks } from './console-data.js';
import { answerFinding, closeFinding, fileFinding, listFindings } from './findings.js';
import { LogBooks } from './log-books.js';
import { logHealth } from './log-health.js';

/**
 * The auditor's console (docs/ledger.md "The auditor's console"): the log's health, the
 * anomalies and a charity's books recomputed from the log, and findings — filed and closed by
 * auditors, answered by the charity. Plus, for everyone, the latest cosigned checkpoint.
 */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // One replay of the log per server process, caught up on each read.
  const logBooks = new LogBooks(app.db);

  app.get(
    '/audit/health',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['audit'],
        summary: "The log's health: size, checkpoint age, each witness's lag and error, alarms",
        response: { 200: LogHealth, ...errorResponses },
      },
    },
    async () => logHealth(app.db, app.ledger.witnesses.witnesses, app.clock()),
  );

  app.get(
    '/audit/anomalies',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['audit'],
        summary: 'Anomalies in the books replayed from the log, by code and charity',
        querystring: AnomalyQuery,
        response: { 200: AnomalyList, ...errorResponses },
      },
    },
    async (request) => anomalyList(app.db, await logBooks.books(), request.query, app.clock()),
  );

  app.get(
    '/orgs/:orgId/audit/books',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['audit'],
        summary: "A charity's books as replayed from the log: projects and disbursements",
        params: OrgIdParams,
        response: { 200: CharityBooks, ...errorResponses },
      },
    },
    async (request) =>
      charityBooks(app.db, await logBooks.books(), request.params.orgId, app.clock()),
  );

  app.get(
    '/audit/findings',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['audit'],
        summary: 'Findings on every charity, newest first, with their answers',
        querystring: FindingsQuery,
        response: { 200: Findings, ...errorResponses },
      },
    },
    async (request) => ({ items: await listFindings(app.db, request.query) }),
  );

  app.post(
    '/audit/findings',
    {
      config: { access: 'auditor' },
      schema: {
        tags: ['audit'],
        summary: 'File a finding on a charity or one of its disbursements (goes on the log)',
        body: FileFindingBody,
        response: { 201: FindingRecorded, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await fileFinding(
        app.db,
        requireUser(request).user.id,
        request.body,
        app.clock(),
      );
      reply.code(201);
      return created;
    },
  );

  app.post(
    '/audit/findings/:findingId/close',
    {
      config: { access: 'auditor' },
      schema: {
        tags: ['audit'],
        summary: 'Close a finding (goes on the log); it can no longer be answered',
        params: FindingIdParams,
        response: { 200: FindingRecorded, ...errorResponses },
      },
    },
    async (request) =>
      closeFinding(app.db, requireUser(request).user.id, request.params.findingId, app.clock()),
  );

  app.get(
    '/orgs/:orgId/findings',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['audit'],
        summary: "The charity's findings, newest first, with their answers",
        params: OrgIdParams,
        response: { 200: Findings, ...errorResponses },
      },
    },
    async (request) => ({ items: await listFindings(app.db, { orgId: request.params.orgId }) }),
  );

  app.post(
    '/orgs/:orgId/findings/:findingId/answers',
    {
      config: { access: 'org-member' },
      schema: {
        tags: ['audit'],
        summary: "Answer one of the charity's findings (goes on the log)",
        params: OrgFindingParams,
        body: AnswerFindingBody,
        response: { 201: FindingRecorded, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await answerFinding(
        app.db,
        {
          orgId: request.params.orgId,
          findingId: request.params.findingId,
          userId: requireUser(request).user.id,
          body: request.body.body,
        },
        app.clock(),
      );
      reply.code(201);
      return created;
    },
  );

  app.get(
    '/log/cosigned',
    {
      config: { access: 'public' },
      schema: {
        tags: ['log'],
        summary: 'The newest checkpoint witnesses cosigned, with the cosignatures (null if none)',
        response: { 200: LatestCosigned },
      },
    },
    async () => ({ checkpoint: await latestCosignedCheckpoint(app.db) }),
  );
};

export default auditRoutes;
