import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConnectionSettings, toDatabaseUrl } from '../../src/database/connection-settings';
import { dataSourceFor } from '../../src/database/data-sources';
import { withAdminClient } from './test-server';
import { testAdminSettings } from './databases';
import { TestDatabase } from './test-database';

/** Prefix of the login roles tests create; global setup drops leftovers on the suite's own cluster. */
export const TEST_ROLE_PREFIX = 'ft_role_';

export interface AppLogin {
  /** The login role's name. */
  readonly role: string;
  readonly settings: ConnectionSettings;
  /** Opens a DataSource on the test database as this login; closed again after the file's tests. */
  connect(poolSize?: number): Promise<DataSource>;
}

/**
 * A login role of its own for the calling test file, as a deployment would create one:
 * `CREATE ROLE ... LOGIN` and `GRANT <roles> TO` it. Roles are cluster-wide, so the name is
 * unique per run and the role is dropped after the file's tests.
 */
export function useAppLogin(db: TestDatabase, grantedRoles: string[] = ['foundation_app'], inherit = true): AppLogin {
  const role = `${TEST_ROLE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const opened: DataSource[] = [];
  let settings: ConnectionSettings | undefined;

  beforeAll(async () => {
    await withAdminClient(testAdminSettings(), async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN ${inherit ? 'INHERIT' : 'NOINHERIT'} PASSWORD '${password}'`);
      for (const granted of grantedRoles) await client.query(`GRANT ${granted} TO ${role}`);
    });
    const admin = db.settings;
    const url = toDatabaseUrl({ ...admin, username: role, password }, admin.database);
    settings = { ...admin, username: role, password, url };
  });

  afterAll(async () => {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
    await withAdminClient(testAdminSettings(), (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
  });

  return {
    role,
    get settings() {
      if (!settings) throw new Error('The login exists only inside tests (after beforeAll)');
      return settings;
    },
    async connect(poolSize = 10) {
      if (!settings) throw new Error('The login exists only inside tests (after beforeAll)');
      const dataSource = dataSourceFor(settings, { poolSize });
      await dataSource.initialize();
      opened.push(dataSource);
      return dataSource;
    },
  };
}
