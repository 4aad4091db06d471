import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as m20261126_01 from './migrations/2026-11-26-01-accounts-and-charities.js';
import * as m20261126_02 from './migrations/2026-11-26-02-ledger.js';
import * as m20261126_03 from './migrations/2026-11-26-03-money.js';
import * as m20261126_04 from './migrations/2026-11-26-04-ledger-write-path.js';
import * as m20261126_05 from './migrations/2026-11-26-05-tile-mid-nodes.js';
import * as m20261127_06 from './migrations/2026-11-27-06-ledger-alarms.js';
import * as m20261127_07 from './migrations/2026-11-27-07-findings.js';
import * as m20261127_08 from './migrations/2026-11-27-08-ledger-store-once.js';
import * as m20261127_09 from './migrations/2026-11-27-09-ledger-take-unsorted.js';
import * as m20261208_10 from './migrations/2026-12-08-10-payments-order.js';
import * as m20261208_11 from './migrations/2026-12-08-11-file-owners.js';

/**
 * Migrations are listed here rather than read from a folder, so they ship inside any
 * bundle and their order is explicit. Names are date-prefixed and never change.
 */
const migrations: Record<string, Migration> = {
  '2026-11-26-01-accounts-and-charities': m20261126_01,
  '2026-11-26-02-ledger': m20261126_02,
  '2026-11-26-03-money': m20261126_03,
  '2026-11-26-04-ledger-write-path': m20261126_04,
  '2026-11-26-05-tile-mid-nodes': m20261126_05,
  '2026-11-27-06-ledger-alarms': m20261127_06,
  '2026-11-27-07-findings': m20261127_07,
  '2026-11-27-08-ledger-store-once': m20261127_08,
  '2026-11-27-09-ledger-take-unsorted': m20261127_09,
  '2026-12-08-10-payments-order': m20261208_10,
  '2026-12-08-11-file-owners': m20261208_11,
};

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(`migration ${migration ?? '(unknown)'} failed: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
    this.name = 'MigrationError';
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, result.error);
  }
  return (result.results ?? []).map((r) => r.migrationName);
}
