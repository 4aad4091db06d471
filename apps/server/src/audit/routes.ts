import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ANOMALY_CODES } from '@goodtrace/books';
import { Type } from 'typebox';
import { requireUser } from '../http/auth.js';
import { errorResponses, Json, OrgIdParams, Text, Uuid } from '../http/schemas.js';
import { anomalyList, charityBooks } from './console-data.js';
import {
  answerFinding,
  BODY_MAX,
  closeFinding,
  fileFinding,
  listFindings,
  severities,
  TITLE_MAX,
} from './findings.js';
import { LogBooks } from './log-books.js';
import { latestCosignedCheckpoint, logHealth } from './log-health.js';

const doc = 'JSON; see docs/ledger.md "The auditor\'s console"';
const Severity = Type.Union(severities.map((s) => Type.Literal(s)));
const FindingStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('answered'),
  Type.Literal('closed'),
]);
const Created = Type.Object({ id: Uuid, outboxId: Type.String() });

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
        response: { 200: Json(doc), ...errorResponses },
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
        querystring: Type.Object({
          code: Type.Optional(Type.Enum(ANOMALY_CODES)),
          orgId: Type.Optional(Uuid),
        }),
        response: { 200: Json(doc), ...errorResponses },
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
        response: { 200: Json(doc), ...errorResponses },
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
        querystring: Type.Object({
          orgId: Type.Optional(Uuid),
          status: Type.Optional(FindingStatus),
        }),
        response: { 200: Json(doc), ...errorResponses },
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
        body: Type.Object(
          {
            orgId: Uuid,
            disbursementId: Type.Optional(Type.Union([Uuid, Type.Null()])),
            title: Text(TITLE_MAX),
            body: Text(BODY_MAX),
            severity: Severity,
          },
          { additionalProperties: false },
        ),
        response: { 201: Created, ...errorResponses },
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
        params: Type.Object({ findingId: Uuid }),
        response: { 200: Created, ...errorResponses },
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
        response: { 200: Json(doc), ...errorResponses },
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
        params: Type.Object({ orgId: Uuid, findingId: Uuid }),
        body: Type.Object({ body: Text(BODY_MAX) }, { additionalProperties: false }),
        response: { 201: Created, ...errorResponses },
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
        response: { 200: Json(doc) },
      },
    },
    async () => ({ checkpoint: await latestCosignedCheckpoint(app.db) }),
  );
};

export default auditRoutes;
