import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { csrfMatches, findSession, type SessionUser } from '../accounts/sessions.js';
import type { OrgRole } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findMembership } from '../orgs/queries.js';
import { isUuid } from './validation.js';

/**
 * Who may call a route. Every route under /api declares one (the server refuses to start
 * otherwise), the OpenAPI page shows it, and test/access-matrix.test.ts walks them all.
 *
 * - public:      anyone, signed in or not (a signed-in auditor only reads: see below)
 * - sign-in:     anyone, auditors too: it starts the caller's own session
 * - session:     any signed-in account, acting on its own session only (sign-out)
 * - signed-in:   any signed-in account (auditors only read: they may not write here)
 * - staff:       platform admins and auditors (auditors read; no staff route writes)
 * - admin:       platform admins
 * - org-member:  owners and editors of the charity in `:orgId`; admins and auditors may read
 * - org-owner:   owners of the charity in `:orgId`
 * - auditor:     platform auditors: the one kind of route where an auditor writes (findings)
 *
 * A signed-in auditor writes nothing but findings and its own session, on any route, public
 * ones included (giving, a beneficiary's confirmation, the sandbox's checkout): auditors take
 * no part in what they audit.
 */
export type Access =
  | 'public'
  | 'sign-in'
  | 'session'
  | 'signed-in'
  | 'staff'
  | 'admin'
  | 'org-member'
  | 'org-owner'
  | 'auditor';

/** Who may call a route, in words, for the OpenAPI page and docs/api.md. */
export function whoMayCall(access: Access, method: string): string {
  const write = !safeMethods.has(method);
  switch (access) {
    case 'public':
      return write ? 'Anyone except signed-in auditors.' : 'Anyone.';
    case 'sign-in':
      return 'Anyone.';
    case 'session':
      return 'Any signed-in account, for its own session.';
    case 'signed-in':
      return write ? 'Any signed-in account except auditors.' : 'Any signed-in account.';
    case 'staff':
      return 'Platform admins and auditors.';
    case 'admin':
      return 'Platform admins.';
    case 'org-member':
      return write
        ? "The charity's owners and editors."
        : "The charity's owners and editors, platform admins and auditors.";
    case 'org-owner':
      return "The charity's owners.";
    case 'auditor':
      return 'Platform auditors.';
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every API route and who may call it, as declared (for docs and the access-matrix test). */
    routeAccess: { method: string; url: string; access: Access }[];
  }
  interface FastifyRequest {
    auth: SessionUser | null;
    /** Why the session cookie was not accepted, when there was one. */
    authProblem: 'expired' | 'unknown' | null;
    /** The caller's role in the charity of `:orgId`, for org routes. */
    orgRole: OrgRole | null;
  }
}

export const sessionCookie = 'gt_session';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The only kinds of route a signed-in auditor may write through. */
const auditorWrites = new Set<Access>(['sign-in', 'session', 'auditor']);

export function requireUser(request: FastifyRequest): SessionUser {
  if (!request.auth) throw new AppError('unauthenticated');
  return request.auth;
}

async function authPlugin(app: FastifyInstance) {
  app.decorateRequest('auth', null);
  app.decorateRequest('authProblem', null);
  app.decorateRequest('orgRole', null);

  const routeAccess: FastifyInstance['routeAccess'] = [];
  app.decorate('routeAccess', routeAccess);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const access = route.config?.access;
    if (!access) {
      throw new Error(`route ${route.method} ${route.url} does not declare who may call it`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeAccess.push({ method, url: route.url, access });
    }
    if (route.schema) {
      const who = `Who may call it: ${[route.method].flat().map((m) => whoMayCall(access, m))[0]}`;
      route.schema.description = route.schema.description
        ? `${route.schema.description}\n\n${who}`
        : who;
    }
  });

  // Who may call a route is decided in onRequest, before the body is read (an anonymous or
  // forbidden upload is refused without taking its megabytes) and before validation, so this
  // checks the `:orgId` it needs itself.
  app.addHook('onRequest', async (request) => {
    const token = request.cookies[sessionCookie];
    if (token) {
      const found = await findSession(app.db, token, app.clock());
      if (found.status === 'valid') request.auth = found.session;
      else request.authProblem = found.status;
    }
    await checkAccess(request);
  });

  async function checkAccess(request: FastifyRequest) {
    const access = request.routeOptions.config.access;
    if (!access) return;
    const write = !safeMethods.has(request.method);
    const auth = request.auth;

    if (write) checkCsrf(request);
    const platformRole = auth?.user.platformRole;
    if (write && platformRole === 'auditor' && !auditorWrites.has(access)) {
      throw new AppError('forbidden', 'Auditors write nothing but findings.');
    }
    if (access === 'public' || access === 'sign-in') return;
    if (!auth) {
      throw new AppError(
        'unauthenticated',
        request.authProblem === 'expired' ? 'Your session has expired: sign in again.' : undefined,
      );
    }
    switch (access) {
      case 'session':
      case 'signed-in':
        return;
      case 'admin':
        if (platformRole !== 'admin') throw new AppError('forbidden');
        return;
      case 'staff':
        if (platformRole !== 'admin' && platformRole !== 'auditor') throw new AppError('forbidden');
        return;
      case 'auditor':
        if (platformRole !== 'auditor') throw new AppError('forbidden');
        return;
      case 'org-member':
      case 'org-owner': {
        const orgId = (request.params as { orgId?: string }).orgId;
        if (orgId === undefined) throw new Error(`route ${request.routeOptions.url} has no :orgId`);
        if (!isUuid(orgId)) {
          throw new AppError('validation_failed', 'Invalid params: params/orgId must be a UUID', [
            { where: 'params', path: '/orgId', problem: 'must match format "uuid"' },
          ]);
        }
        request.orgRole = (await findMembership(app.db, orgId, auth.user.id)) ?? null;
        if (access === 'org-owner') {
          if (request.orgRole !== 'owner') throw new AppError('forbidden');
          return;
        }
        if (request.orgRole) return;
        if (!write && (platformRole === 'admin' || platformRole === 'auditor')) return;
        throw new AppError('forbidden');
      }
    }
  }

  function checkCsrf(request: FastifyRequest) {
    if (request.auth) {
      const given = request.headers['x-csrf-token'];
      if (!csrfMatches(request.auth.csrfToken, typeof given === 'string' ? given : undefined)) {
        throw new AppError('csrf_failed');
      }
      return;
    }
    // Without a session (sign-up, sign-in) a cross-site form could still post: refuse a
    // browser request whose Origin is another site.
    const origin = request.headers.origin;
    if (origin && origin !== 'null') {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        throw new AppError('csrf_failed');
      }
      if (host !== request.host) throw new AppError('csrf_failed');
    } else if (origin === 'null') {
      throw new AppError('csrf_failed');
    }
  }
}

export default fp(authPlugin, { name: 'auth', dependencies: ['@fastify/cookie'] });
