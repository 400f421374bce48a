import { ConnectionSettings } from '../database/connection-settings';
import { foundationDataSourceFor } from '../database/data-sources';
import { FoundationDataSource } from '../database/foundation-data-source';
import { withEmptyScratchDatabase } from './scratch-server';

export { ScratchDatabaseError, withEmptyScratchDatabase } from './scratch-server';

/**
 * Runs `work` on a throw-away database on the same server as `settings`: created from
 * template0 (so nothing the server's template1 holds leaks in), migrated from the project's
 * migrations, and dropped afterwards even when `work` fails. Needs CREATEDB on that server.
 */
export async function withMigratedScratchDatabase<T>(
  settings: ConnectionSettings,
  work: (dataSource: FoundationDataSource) => Promise<T>,
): Promise<T> {
  return withEmptyScratchDatabase(settings, async (scratch) => {
    const dataSource = foundationDataSourceFor(scratch);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  });
}

