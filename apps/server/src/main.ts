import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import closeWithGrace from 'close-with-grace';
import { type App, buildApp } from './app.js';
import { type Config, ConfigError, invocationDir, loadConfig } from './config.js';
import { DataDirLockedError } from './db/lock.js';

/** `npm start`: read the environment once, build the app, listen, and shut down gracefully. */
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
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
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
