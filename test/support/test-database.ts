import 'reflect-metadata';
import { ConnectionSettings } from '../../src/database/connection-settings';
import { foundationDataSourceFor } from '../../src/database/data-sources';
import { FoundationDataSource } from '../../src/database/foundation-data-source';
import { createDatabase, dropDatabase, migratedTemplateName, testAdminSettings, uniqueDatabaseName } from './databases';

export interface TestDatabase {
  readonly name: string;
  readonly settings: ConnectionSettings;
  /** An initialised DataSource on this database, connected as the superuser/owner. */
  readonly dataSource: FoundationDataSource;
}

/**
 * Gives the calling test file its own database for all its tests, dropped afterwards:
 * `migrated` (the default) clones the template that global setup migrated; `empty` is a new
 * database with nothing of ours in it, for tests that run the migrations themselves.
 */
export function useTestDatabase(kind: 'migrated' | 'empty' = 'migrated'): TestDatabase {
  let current: TestDatabase | undefined;
  const admin = () => testAdminSettings();

  beforeAll(async () => {
    const name = uniqueDatabaseName(kind);
    const settings = await createDatabase(admin(), name, kind === 'migrated' ? migratedTemplateName() : undefined);
    const dataSource = foundationDataSourceFor(settings);
    await dataSource.initialize();
    current = { name, settings, dataSource };
  });

  afterAll(async () => {
    if (!current) return;
    await current.dataSource.destroy();
    await dropDatabase(admin(), current.name);
  });

  const get = (): TestDatabase => {
    if (!current) throw new Error('The test database exists only inside tests (after beforeAll)');
    return current;
  };
  return {
    get name() {
      return get().name;
    },
    get settings() {
      return get().settings;
    },
    get dataSource() {
      return get().dataSource;
    },
  };
}
