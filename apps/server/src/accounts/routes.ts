import fastifyRateLimit from '@fastify/rate-limit';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import { SessionResponse, SignInBody, SignUpBody, type User } from '@goodtrace/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireUser, sessionCookie } from '../http/auth.js';
import { rateLimitedBody } from '../http/error-handler.js';
import { errorResponses } from '../http/schemas.js';
import { createSession, deleteSession } from './sessions.js';
import { checkCredentials } from './sign-in.js';
import { normalizeEmail, signUp } from './sign-up.js';

function userView(u: {
  id: string;
  email: string;
  display_name: string;
  platform_role: 'admin' | 'auditor' | null;
}): User {
  return { id: u.id, email: u.email, displayName: u.display_name, platformRole: u.platform_role };
}

/** Accounts: sign up, sign in, sign out, and the current session. */
const accountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app;

  async function startSession(request: FastifyRequest, reply: FastifyReply, userId: string) {
    const s = await createSession(app.db, userId, app.clock(), config.sessionTtlHours);
    reply.setCookie(sessionCookie, s.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.cookieSecure || request.protocol === 'https',
      expires: s.expiresAt,
    });
    return s.csrfToken;
  }

  app.post(
    '/sign-up',
    {
      config: {
        access: 'public',
        rateLimit: { max: config.rateLimit.signUpPerIp, timeWindow: '1 hour' },
      },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account and sign in',
        body: SignUpBody,
        response: { 201: SessionResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await signUp(app.db, request.body);
      const csrfToken = await startSession(request, reply, user.id);
      return reply.status(201).send({ user: userView(user), csrfToken });
    },
  );

  // Two independent limits on sign-in, per IP and per account. @fastify/rate-limit runs one
  // limiter per request per registration, so each limit is its own nested registration.
  await app.register(async (perIp) => {
    await perIp.register(fastifyRateLimit, {
      global: true,
      max: config.rateLimit.signInPerIp,
      timeWindow: '1 minute',
      errorResponseBuilder: rateLimitedBody,
    });
    await perIp.register(async (perAccount) => {
      await perAccount.register(fastifyRateLimit, {
        global: true,
        hook: 'preHandler', // after parsing, so the body's email is known
        max: config.rateLimit.signInPerAccount,
        timeWindow: '15 minutes',
        keyGenerator: (req) =>
          `account:${normalizeEmail(String((req.body as { email?: unknown })?.email ?? ''))}`,
        errorResponseBuilder: rateLimitedBody,
      });
      perAccount.withTypeProvider<TypeBoxTypeProvider>().post(
        '/sign-in',
        {
          config: { access: 'sign-in' },
          schema: {
            tags: ['accounts'],
            summary: 'Sign in with email and password',
            body: SignInBody,
            response: { 200: SessionResponse, ...errorResponses },
          },
        },
        async (request, reply) => {
          const user = await checkCredentials(app.db, request.body.email, request.body.password);
          const csrfToken = await startSession(request, reply, user.id);
          return { user: userView(user), csrfToken };
        },
      );
    });
  });

  app.post(
    '/sign-out',
    {
      config: { access: 'session' },
      schema: {
        tags: ['accounts'],
        summary: 'End the current session',
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteSession(app.db, requireUser(request).sessionId);
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in account and its CSRF token, or nulls',
        response: { 200: SessionResponse },
      },
    },
    async (request) => {
      const auth = request.auth;
      return auth
        ? { user: auth.user, csrfToken: auth.csrfToken }
        : { user: null, csrfToken: null };
    },
  );
};

export default accountsRoutes;
