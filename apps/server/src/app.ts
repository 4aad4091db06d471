import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import accountsRoutes from './accounts/routes.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { DB } from './db/schema.js';
import authPlugin from './http/auth.js';
import { installErrorHandling, rateLimitedBody } from './http/error-handler.js';
import healthRoutes from './http/health.js';
import { ErrorResponse } from './http/schemas.js';
import { validatorCompiler } from './http/validation.js';
import { serveWeb } from './http/web.js';
import adminOrgRoutes from './orgs/admin-routes.js';
import orgRoutes from './orgs/routes.js';
import { seedDemoData } from './seed/demo.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    db: Kysely<DB>;
    clock: () => Date;
    closing: boolean;
  }
}

export interface AppDeps {
  /** An already-open database (tests pass one); otherwise opened from config. */
  database?: Database;
  /** Injectable clock, so tests can move time (session expiry). */
  clock?: () => Date;
  /** A logger to use instead of building one from config. */
  logger?: FastifyBaseLogger;
}

export type App = FastifyInstance;

const bodyLimit = 1024 * 1024;

/** Builds the whole server: storage, migrations, plugins, routes. Does not listen. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger }
      : {
          logger: {
            level: config.logLevel,
            redact: [
              'req.headers.cookie',
              'req.headers["x-csrf-token"]',
              'res.headers["set-cookie"]',
            ],
            ...(config.env === 'development' ? { transport: { target: 'pino-pretty' } } : {}),
          },
        }),
    trustProxy: config.trustProxy,
    bodyLimit,
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);

  const database =
    deps.database ??
    (await openDatabase(
      config.databaseUrl
        ? { kind: 'postgres', url: config.databaseUrl }
        : { kind: 'pglite', dataDir: config.dataDir },
    ));
  const ownsDatabase = !deps.database;
  app.decorate('config', config);
  app.decorate('database', database);
  app.decorate('db', database.db);
  app.decorate('clock', deps.clock ?? (() => new Date()));
  app.decorate('closing', false);
  app.addHook('preClose', async () => {
    app.closing = true;
  });
  app.addHook('onClose', async () => {
    if (ownsDatabase) await database.close();
  });

  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) app.log.info({ applied }, 'database migrated');
    if (config.seedDemo) await seedDemoData(database.db, app.log);
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }

  app.addSchema(ErrorResponse);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Goodtrace API',
        version: '0.1.0',
        description:
          'Every error is `{"error":{"code","message"}}` with a stable code (docs/errors.md). ' +
          'Writes made with a session cookie must send the X-CSRF-Token header from GET /api/auth/session.',
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'gt_session' } },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: rateLimitedBody,
  });
  await app.register(authPlugin);

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      await api.register(accountsRoutes, { prefix: '/auth' });
      await api.register(orgRoutes);
      await api.register(adminOrgRoutes, { prefix: '/admin' });
    },
    { prefix: '/api' },
  );
  await serveWeb(app, config.webDistDir);
  await app.ready();
  return app;
}
