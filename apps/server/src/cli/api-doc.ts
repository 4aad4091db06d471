import { writeFileSync } from 'node:fs';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { renderApiDoc } from '../http/api-doc.js';

/** `npm run docs:api -w apps/server`: rewrites docs/api.md from the routes. */
const database = await openDatabase({ kind: 'pglite-memory' });
const app = await buildApp(
  loadConfig({ SEED_DEMO: 'false', LOG_LEVEL: 'silent', NODE_ENV: 'test' }),
  {
    database,
  },
);
const target = new URL('../../../../docs/api.md', import.meta.url);
writeFileSync(target, renderApiDoc(app));
await app.close();
await database.close();
console.log(`wrote ${target.pathname}`);
