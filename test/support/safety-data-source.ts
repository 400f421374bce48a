import { MigrationInterface } from 'typeorm';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import { FoundationDataSource } from '../../src/database/foundation-data-source';

/**
 * An initialised FoundationDataSource on `settings` whose migrations are the given classes or
 * instances instead of the project's, for in-process tests of the runner. Destroy it after use.
 */
export async function dataSourceWithMigrations(
  settings: ConnectionSettings,
  migrations: (Function | MigrationInterface)[],
): Promise<FoundationDataSource> {
  const dataSource = foundationDataSourceFor(settings, { migrations: migrations as Function[] });
  await dataSource.initialize();
  return dataSource;
}

export async function withMigrations<T>(
  settings: ConnectionSettings,
  migrations: (Function | MigrationInterface)[],
  work: (dataSource: FoundationDataSource) => Promise<T>,
): Promise<T> {
  const dataSource = await dataSourceWithMigrations(settings, migrations);
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
