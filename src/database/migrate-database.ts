import { ConnectionSettings } from './connection-settings';
import { foundationDataSourceFor } from './data-sources';

/**
 * Runs every pending migration on `settings` in this process, with the same safety as
 * `migration:run` (lock, checksums, timeouts), one transaction per migration. Used where a
 * database must be migrated from code: the test suite's template, the benchmarks.
 */
export async function migrateDatabase(settings: ConnectionSettings): Promise<void> {
  const dataSource = foundationDataSourceFor(settings);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
