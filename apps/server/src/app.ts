import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '@goodtrace/contract';
import { setCryptoProvider } from '@goodtrace/ledger';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import accountsRoutes from './accounts/routes.js';
import auditRoutes from './audit/routes.js';
import booksRoutes from './books/routes.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { DB } from './db/schema.js';
import { startMonthlyScheduler } from './donations/recurring.js';
import donationRoutes, { paymentWebhookRoutes, sandboxCheckoutRoutes } from './donations/routes.js';
import { Donations } from './donations/service.js';
import { FileStore } from './files/file-store.js';
import fileRoutes from './files/routes.js';
import authPlugin from './http/auth.js';
import { errorShapeOptions, installErrorHandling, rateLimitedBody } from './http/error-handler.js';
import healthRoutes from './http/health.js';
import { createMetrics, type Metrics, metricsRoute } from './http/metrics.js';
import { checkResponses } from './http/response-check.js';
import { installTextChecks } from './http/text.js';
import { validatorCompiler } from './http/validation.js';
import { serveWeb } from './http/web.js';
import { logApiRoutes, tlogRoutes } from './ledger/routes.js';
import { LedgerService } from './ledger/service.js';
import adminOrgRoutes from './orgs/admin-routes.js';
import orgRoutes from './orgs/routes.js';
import { loadPaymentProvider } from './payments/load-provider.js';
import type { ConfiguredPaymentProvider } from './payments/provider.js';
import projectRoutes from './projects/routes.js';
import { seedDemoData } from './seed/demo.js';
import spendingRoutes from './spending/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database;
    db: Kysely<DB>;
    clock: () => Date;
    closing: boolean;
    ledger: LedgerService;
    metrics: Metrics;
    payments: ConfiguredPaymentProvider;
    /** The donations context's queues, for this database and this payment provider. */
    donations: Donations;
    files: FileStore;
  }
}

export interface AppDeps {
  /** An already-open database (tests pass one); otherwise opened from config. */
  database?: Database;
  /** Injectable clock, so tests can move time (session expiry). */
  clock?: () => Date;
  /** A logger to use instead of building one from config. */
  logger?: FastifyBaseLogger;
  /**
   * Tests: check every JSON answer against its route's declared schema (http/response-check.ts)
   * and call this with what does not match (the request then fails with a 500).
   */
  checkResponses?: (mismatch: string) => void;
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
    ...errorShapeOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Native SHA-256 and Ed25519 for the ledger library (it defaults to pure-JS noble).
  setCryptoProvider(nodeCryptoProvider());
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);
  installTextChecks(app);
  if (deps.checkResponses) checkResponses(app, deps.checkResponses);

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
  const metrics = createMetrics();
  app.decorate('metrics', metrics);
  app.decorate('files', new FileStore({ dir: config.files.dir, maxBytes: config.files.maxBytes }));
  const payments = loadPaymentProvider(config.payments, config.dataDir, {
    clock: () => app.clock(),
  });
  // A getter: decorate() cannot infer a type from a union of provider classes.
  app.decorate('payments', { getter: () => payments });
  app.decorate('donations', new Donations(database.db, payments));

  let ledger: LedgerService;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) app.log.info({ applied }, 'database migrated');
    ledger = await LedgerService.open({
      db: database.db,
      config: config.ledger,
      log: app.log,
      metrics: metrics.ledger,
      createKeyIfMissing: true,
    });
    if (config.seedDemo) await seedDemoData(database.db, app.log, app.clock(), app.files);
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }
  app.decorate('ledger', ledger);
  // Stop the sequencer before the database it writes to closes.
  app.addHook('onClose', async () => {
    await ledger.stop();
    if (ownsDatabase) await database.close();
  });

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
  await metricsRoute(app, metrics, () => ledger.refreshMetrics());
  await app.register(tlogRoutes, { prefix: '/log' });
  await app.register(
    async (api) => {
      await api.register(accountsRoutes, { prefix: '/auth' });
      await api.register(orgRoutes);
      await api.register(adminOrgRoutes, { prefix: '/admin' });
      await api.register(logApiRoutes, { prefix: '/log' });
      await api.register(projectRoutes);
      await api.register(donationRoutes);
      await api.register(paymentWebhookRoutes);
      await api.register(sandboxCheckoutRoutes);
      await api.register(spendingRoutes);
      await api.register(booksRoutes);
      await api.register(fileRoutes, { store: app.files });
      await api.register(auditRoutes);
    },
    { prefix: '/api' },
  );
  await serveWeb(app, config.webDistDir);
  let stopMonthly = async () => {};
  app.addHook('preClose', () => stopMonthly());
  await app.ready();
  ledger.start();
  stopMonthly = startMonthlyScheduler(app, config.monthlyChargeEveryMs);
  return app;
}
