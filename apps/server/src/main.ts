import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import closeWithGrace from 'close-with-grace';
import { type App, buildApp } from './app.js';
import { runPrimary, SHUTDOWN_MESSAGE, WORKER_SLOT_VAR } from './cluster-primary.js';
import { type Config, ConfigError, invocationDir, loadConfig } from './config.js';
import { DataDirLockedError } from './db/lock.js';

/**
 * `npm start`: read the environment once, build the app, listen, and shut down gracefully.
 * With SERVER_PROCESSES > 1 the first process is a cluster primary (cluster-primary.ts) and
 * this same file runs again in each worker.
 */
async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env, invocationDir());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (config.serverProcesses > 1 && cluster.isPrimary) {
    await runPrimary(config);
    return;
  }
  if (cluster.isWorker) {
    // The primary has migrated and seeded; one worker talks to the witnesses.
    config.seedDemo = false;
    config.ledger.witnessClient = process.env[WORKER_SLOT_VAR] === '0';
  }
  if (!config.webDistDir) {
    const built = fileURLToPath(new URL('../../web/dist', import.meta.url));
    if (existsSync(built)) config.webDistDir = built;
  }
  let app: App;
  try {
    app = await buildApp(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(3);
    }
    throw err;
  }
  let closing = false;
  const { close } = closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    closing = true;
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
  if (cluster.isWorker) {
    // Asked by the primary, or orphaned by its death: close as on SIGTERM, once.
    process.on('message', (m) => {
      if (m === SHUTDOWN_MESSAGE && !closing) close();
    });
    process.on('disconnect', () => {
      if (!closing) close();
    });
  }
  await app.listen({ host: config.host, port: config.port });
  if (!config.databaseUrl) {
    app.log.info(
      `Embedded storage (PGlite) in ${config.dataDir}. It survives a crash of this process but is not fsynced: put real money on PostgreSQL (DATABASE_URL).`,
    );
  }
  if (!config.webDistDir)
    app.log.warn('No built web app found: serving the API only (run npm run build -w apps/web).');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
