import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { FileStore } from './files/file-store.js';
import { initLogState } from './ledger/sequencer.js';
import { loadLogKey } from './ledger/signer-key.js';
import { loadSandboxSecret, sandboxSecretFile } from './payments/load-provider.js';
import { seedDemoData } from './seed/demo.js';

/**
 * The one-time part of buildApp's start, run by a cluster's primary before it forks the
 * workers: migrations, the log's signing key and state row, the sandbox's callback secret and
 * the demo data. Workers started at the same instant would otherwise race for them: two
 * seeders both find the store empty and one dies on a duplicate account, two workers each
 * write a fresh key file. buildApp in the workers then finds everything in place (its
 * migrations are a no-op, its key is read, seeding is off).
 */
export async function prepareStore(config: Config, log: FastifyBaseLogger): Promise<void> {
  if (!config.databaseUrl) throw new Error('prepareStore runs for PostgreSQL clusters only');
  const database = await openDatabase({ kind: 'postgres', url: config.databaseUrl, poolSize: 1 });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) log.info({ applied }, 'database migrated');
    const key = loadLogKey({
      origin: config.ledger.origin,
      signerKey: config.ledger.signerKey,
      keyFile: config.ledger.signerKeyFile,
      createIfMissing: true,
    });
    await initLogState(database.db, key);
    if (config.payments.provider === 'sandbox' && !config.payments.sandboxSecret)
      loadSandboxSecret(sandboxSecretFile(config.dataDir));
    if (config.seedDemo) {
      const files = new FileStore({ dir: config.files.dir, maxBytes: config.files.maxBytes });
      await seedDemoData(database.db, log, new Date(), files);
    }
  } finally {
    await database.close();
  }
}
